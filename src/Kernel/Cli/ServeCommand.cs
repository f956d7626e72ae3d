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
        var shutdownTimeout = Plugins.PluginHostOptions.Seconds(configuration["Kernel:ShutdownTimeout"]) ?? DefaultShutdownTimeout;
        using var stopping = new CancellationTokenSource();
        // Issue 8 §2: SIGTERM ends the process within Kernel:ShutdownTimeout whatever a plugin does (a blocked thread,
        // a foreground thread of its own): a watchdog started by the signal exits the process when the time is up.
        using var watchdog = stopping.Token.Register(() => StartWatchdog(shutdownTimeout, logger));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
        InstallCrashGuard(services.GetRequiredService<Plugins.PluginHost>(), paths.DataDirectory, logger, error);
        try
        {
            await server.StartAsync(stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // SIGTERM during start-up: stop what did start.
        }
        catch (Exception e) when (CommandAction.IsOperatorError(e) || e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            logger.LogCritical("cannot start: {Reason}", e.Message);
            await error.WriteLineAsync($"error: {KernelCommandLine.Describe(e, paths)}");
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

    /// <summary>The hard limit on the whole stop sequence after SIGTERM unless <c>Kernel:ShutdownTimeout</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);

    private static void StartWatchdog(TimeSpan timeout, ILogger logger)
    {
        // A thread of its own, not the pool: plugins that block pool threads must not delay it.
        new Thread(() =>
        {
            Thread.Sleep(timeout);
            logger.LogCritical("shutdown did not finish within {Timeout} s; exiting now", timeout.TotalSeconds);
            Console.Error.WriteLine($"error: shutdown did not finish within {timeout.TotalSeconds:0.#} s; exiting now");
            Environment.Exit(1);
        }) { IsBackground = true, Name = "shutdown watchdog" }.Start();
    }

    /// <summary>
    /// Issue 8 §3. An exception on a thread a plugin started (a raw Thread, <c>async void</c>, a queued work item) ends
    /// any .NET process; nothing can keep it alive. What can be done is done before it dies: the plugin is named in the
    /// log and recorded as having brought the process down (<see cref="Plugins.PluginCrashRecord"/>), so the next start
    /// sets it aside instead of crashing again. A faulted task nobody observed is not fatal: that plugin is failed.
    /// </summary>
    private static void InstallCrashGuard(Plugins.PluginHost host, string dataDirectory, ILogger logger, TextWriter error)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is not Exception exception) return;
            var plugin = host.OwnerOf(exception);
            var reason = Plugins.PluginComposer.OneLine(exception);
            try
            {
                if (plugin is null)
                {
                    error.WriteLine($"error: unhandled exception, the process ends: {reason}");
                    return;
                }
                Plugins.PluginCrashRecord.Write(dataDirectory, plugin, reason);
                // Straight to stderr: the console logger writes from a queue that may not drain before the process dies.
                error.WriteLine($"error: plugin {plugin} brought the process down: {reason}; it is set aside on the next start (kernel plugins enable {plugin} to load it again)");
                logger.LogCritical(exception, "plugin {Plugin} brought the process down: {Reason}", plugin, reason);
            }
            catch (Exception recordError)
            {
                error.WriteLine($"error: recording the crash of plugin {plugin} failed: {recordError.Message}");
            }
        };
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            if (host.OwnerOf(e.Exception) is not { } plugin) return;
            e.SetObserved();
            host.ReportFault(plugin, e.Exception);
        };
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
