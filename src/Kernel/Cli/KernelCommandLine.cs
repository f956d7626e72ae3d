using System.CommandLine;
using System.Reflection;
using Kernel.Abstractions;
using Kernel.Hosting;
using Kernel.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Cli;

/// <summary>
/// The <c>kernel</c> executable. Every invocation, not only <c>serve</c>, loads the plugins so that the commands they
/// export (<c>kernel router …</c>, <c>kernel route test</c>) exist. Arguments of the form <c>--Section:Key=value</c>
/// are configuration, not options. Parse errors and bad input print one line on stderr and exit non-zero.
/// </summary>
public static class KernelCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var settings = args.Where(IsSetting).ToList();
        var commandArgs = args.Where(a => !IsSetting(a)).ToArray();
        var verb = commandArgs.FirstOrDefault(a => !a.StartsWith('-'));
        var serving = verb == "serve";

        IConfigurationRoot configuration;
        try
        {
            configuration = KernelConfiguration.Build(settings);
        }
        catch (KernelStartupException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        var paths = new KernelPaths(KernelConfiguration.DataDirectory(ScanOption(commandArgs, "--data"), configuration), KernelConfiguration.PluginsDirectory(configuration));

        // Only `serve` and `domain add` (the first set-up step) may create a data folder; anything else on a
        // missing folder is a typo, answered with one line rather than a new empty store.
        var creates = serving || (commandArgs.Length >= 2 && commandArgs[0] == "domain" && commandArgs[1] == "add");
        var helpOnly = verb is null || args.Any(a => a is "-h" or "--help" or "-?" or "--version");
        if (!Directory.Exists(paths.DataDirectory) && !creates && !helpOnly)
        {
            await error.WriteLineAsync($"error: data folder {paths.DataDirectory} does not exist (give --data DIR, or create it with `kernel domain add DOMAIN`)");
            return 1;
        }

        if (serving) return await ServeCommand.RunAsync(commandArgs, paths, configuration, output, error);

        // A command that may create the data folder (`domain add`) and fails leaves no folder behind: nothing half-written.
        var dataExisted = Directory.Exists(paths.DataDirectory);
        var exitCode = 1;
        using var loggerFactory = KernelLogging.Create(configuration, forCli: true);
        ServiceProvider? services = null;
        try
        {
            PluginHost? plugins = null;
            if (Directory.Exists(paths.DataDirectory) || creates)
            {
                services = KernelServices.Build(paths, configuration, loggerFactory);
                plugins = services.GetRequiredService<PluginHost>();
                plugins.LoadAll();
            }
            var root = BuildRoot(() => new CliContext(services ?? throw new CliError("no data folder"), input, output, error));
            if (plugins is not null)
            {
                foreach (var conflict in PluginCliBridge.AddCommands(root, plugins.CliCommands, services!, input))
                    await error.WriteLineAsync($"warning: {conflict}");
            }

            var parse = root.Parse(commandArgs);
            if (parse.Errors.Count > 0)
            {
                // The most specific complaint first: an unknown word beats "required command was not provided".
                var first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
                await error.WriteLineAsync($"error: {first.Message} (see {HelpCommand(parse)})");
                return exitCode = 2;
            }
            return exitCode = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        }
        catch (Exception e) when (CommandAction.IsOperatorError(e) || e is Storage.StoredBodyException or Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return exitCode = 1;
        }
        finally
        {
            if (services is not null)
            {
                if (services.GetService<PluginHost>() is { } host) await host.DisposeAsync();
                await services.DisposeAsync();
            }
            if (!dataExisted && exitCode != 0) RemoveCreatedDataFolder(paths.DataDirectory);
        }
    }

    /// <summary><c>kernel account add --help</c> for the deepest command the parser recognised (never an argument or an unknown word).</summary>
    private static string HelpCommand(ParseResult parse)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            path.Insert(0, result.Command.Name);
        return string.Join(' ', ["kernel", .. path, "--help"]);
    }

    private static void RemoveCreatedDataFolder(string dataDirectory)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the command already failed with its own message.
        }
    }

    public static RootCommand BuildRoot(Func<CliContext> context)
    {
        var version = typeof(KernelCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        var root = new RootCommand($"kernel {version} (SDK {SdkVersion.Current}): a communication server — mail, signals and files from one small kernel and its plugins");
        root.Options.Add(CliOptions.Data);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DomainCommands.Create(context));
        root.Subcommands.Add(AccountCommands.Create(context));
        root.Subcommands.Add(AliasCommands.Create(context));
        root.Subcommands.Add(MailboxCommands.Create(context));
        root.Subcommands.Add(SubscriptionCommands.Create(context));
        root.Subcommands.Add(SubmitCommand.Create(context));
        root.Subcommands.Add(QueueCommands.Create(context));
        root.Subcommands.Add(PluginsCommands.Create(context));
        root.Subcommands.Add(SettingsCommands.Create(context));
        return root;
    }

    /// <summary><c>--Section:Key=value</c> (a colon before the '=') is a configuration setting.</summary>
    private static bool IsSetting(string arg)
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal)) return false;
        var eq = arg.IndexOf('=');
        var colon = arg.IndexOf(':');
        return colon > 2 && (eq < 0 || colon < eq);
    }

    private static string? ScanOption(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length) return args[i + 1];
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal)) return args[i][(name.Length + 1)..];
        }
        return null;
    }
}
