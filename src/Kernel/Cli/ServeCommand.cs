using System.CommandLine;
using System.Runtime.InteropServices;
using Kernel.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Cli;

/// <summary><c>kernel serve [--plugins Smtp,Imap]</c>: runs the server until SIGTERM or Ctrl+C, then stops cleanly (exit 0).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "run the server (configuration: appsettings.json, environment, --Section:Key=value)")
        {
            new Option<string?>("--plugins") { Description = "run only these plugins, comma-separated (Kernel:Plugins)" },
        };
        command.SetAction(_ => 0); // run by RunAsync before parsing; declared here for --help
        return command;
    }

    public static async Task<int> RunAsync(string[] args, KernelPaths paths, IConfigurationRoot configuration, TextWriter output, TextWriter error)
    {
        var parse = new RootCommand { Options = { Kernel.Cli.CliOptions.Data }, Subcommands = { Create() } }.Parse(args, KernelCommandLine.Parsing);
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {parse.Errors[0].Message}");
            return 2;
        }
        if (parse.GetValue<string?>("--plugins") is { } subset) configuration = SelectPlugins(configuration, subset);

        using var loggerFactory = KernelLogging.Create(configuration, forCli: false);
        var logger = loggerFactory.CreateLogger("Kernel");
        await using var services = OpenServices(paths, configuration, loggerFactory, error);
        if (services is null) return 1;

        var server = services.GetRequiredService<KernelServer>();
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
        try
        {
            await server.StartAsync(stopping.Token);
        }
        catch (Exception e) when (CommandAction.IsOperatorError(e) || e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            logger.LogCritical("cannot start: {Reason}", e.Message);
            await error.WriteLineAsync($"error: {e.Message}");
            await server.StopAsync();
            return 1;
        }
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await server.StopAsync();
        return 0;
    }

    /// <summary>
    /// <c>--plugins A,B</c> replaces <c>Kernel:Plugins</c> whole: entries from appsettings.json or the environment
    /// beyond the ones given are blanked (an empty name is ignored), so the subset is exactly what was asked for.
    /// </summary>
    private static IConfigurationRoot SelectPlugins(IConfigurationRoot configuration, string subset)
    {
        var names = subset.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Kernel:Plugins"] = "" };
        foreach (var child in configuration.GetSection("Kernel:Plugins").GetChildren()) values[child.Path] = "";
        for (var i = 0; i < names.Length; i++) values[$"Kernel:Plugins:{i}"] = names[i];
        return new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(values).Build();
    }

    private static ServiceProvider? OpenServices(KernelPaths paths, IConfiguration configuration, ILoggerFactory loggerFactory, TextWriter error)
    {
        try
        {
            var services = KernelServices.Build(paths, configuration, loggerFactory);
            _ = services.GetRequiredService<Storage.SqliteDatabase>(); // opens and migrates now, so a bad data folder fails here
            return services;
        }
        catch (Storage.DataFolderException e)
        {
            error.WriteLine($"error: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: data folder {paths.DataDirectory}: {KernelCommandLine.Describe(e, paths)}");
            return null;
        }
    }
}
