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
    /// <summary>System.CommandLine reads <c>@file</c> as a response file by default; <c>kernel account add @x</c> must mean "@x".</summary>
    public static ParserConfiguration Parsing { get; } = new() { ResponseFileTokenReplacer = null };

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        try
        {
            return await RunCoreAsync(args, input, output, error);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The last line of the one-line policy: whatever was not foreseen is still one line and a non-zero exit.
            await error.WriteLineAsync($"error: {Describe(e)}");
            return 70; // EX_SOFTWARE
        }
    }

    private static async Task<int> RunCoreAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var settings = args.Where(IsSetting).ToList();
        var commandArgs = args.Where(a => !IsSetting(a)).ToArray();
        // The command's words, without `--data DIR` wherever it stands (`kernel --data D domain add x` is still `domain add`).
        var words = WithoutDataOption(commandArgs);
        var verb = words.FirstOrDefault(a => !a.StartsWith('-'));
        var serving = verb == "serve";

        IConfigurationRoot configuration;
        KernelPaths paths;
        try
        {
            configuration = KernelConfiguration.Build(settings);
            KernelConfiguration.Validate(configuration);
            paths = new KernelPaths(KernelConfiguration.DataDirectory(ScanOption(commandArgs, "--data"), configuration), KernelConfiguration.PluginsDirectory(configuration));
        }
        catch (KernelStartupException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }

        // Only `serve` and `domain add` (the first set-up step) may create a data folder and its store; anything
        // else on a missing folder is a typo, answered with one line rather than a new empty store (DataFolder).
        var creates = serving || (words.Length >= 2 && words[0] == "domain" && words[1] == "add");
        var helpOnly = verb is null || args.Any(a => a is "-h" or "--help" or "-?" or "--version");
        paths = paths with
        {
            Access = creates ? Storage.DataFolderAccess.CreateIfNew : Storage.DataFolderAccess.ExistingStore,
            QuickCheck = serving,
        };

        if (serving) return await ServeCommand.RunAsync(commandArgs, paths, configuration, output, error);

        // A command that may create the data folder (`domain add`) and fails leaves no folder behind: nothing half-written.
        var dataExisted = Directory.Exists(paths.DataDirectory);
        var exitCode = 1;
        ILoggerFactory loggerFactory;
        try
        {
            loggerFactory = KernelLogging.Create(configuration, forCli: true);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            await error.WriteLineAsync($"error: the Logging configuration is not usable: {Describe(e)}");
            return 1;
        }
        using var loggerFactoryScope = loggerFactory;
        ServiceProvider? services = null;
        PluginHost? plugins = null;
        // `kernel --help` on a fresh folder still lists the plugins' commands (issue 9 §4): the plugins beside the
        // executable are loaded against a throw-away store that is removed afterwards, never the operator's folder.
        var helpStore = helpOnly && !Directory.Exists(paths.DataDirectory)
            ? Path.Combine(Path.GetTempPath(), "kernel-help-" + Guid.NewGuid().ToString("N"))
            : null;
        try
        {
            services = KernelServices.Build(helpStore is null ? paths : paths with { DataDirectory = helpStore, Access = Storage.DataFolderAccess.CreateIfNew }, configuration, loggerFactory);
            try
            {
                // Opens and checks the data folder now, so a folder that cannot be used is one line before any command runs.
                _ = services.GetRequiredService<Storage.SqliteDatabase>();
            }
            catch (Storage.DataFolderException) when (helpOnly)
            {
                // Help is still shown (without plugin commands) on a folder that cannot be opened.
                await services.DisposeAsync();
                services = null;
            }
            if (services is not null)
            {
                plugins = services.GetRequiredService<PluginHost>();
                plugins.LoadAll();
            }
            var root = BuildRoot(() => new CliContext(services ?? throw new CliError("no data folder"), input, output, error));
            if (plugins is not null)
            {
                foreach (var conflict in PluginCliBridge.AddCommands(root, plugins.CliCommands, services!, input))
                    await error.WriteLineAsync($"warning: {conflict}");
            }

            var parse = root.Parse(commandArgs, Parsing);
            if (parse.Errors.Count > 0)
            {
                // The most specific complaint first: an unknown word beats "required command was not provided".
                var first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
                await error.WriteLineAsync($"error: {first.Message} (see {HelpCommand(parse)})");
                return exitCode = 2;
            }
            return exitCode = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (CommandAction.IsOperatorError(e) || e is Storage.DataFolderException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {Describe(e, paths)}");
            return exitCode = e is CliError { ExitCode: var code } ? code : IsDiskFull(e, paths) ? CommandAction.TemporaryFailure : 1;
        }
        finally
        {
            // Only what this invocation built is disposed: resolving anything new here would re-open a database
            // that may be the very reason the command failed.
            if (plugins is not null) await DisposeQuietlyAsync(() => plugins.DisposeAsync().AsTask());
            if (services is not null) await DisposeQuietlyAsync(() => services.DisposeAsync().AsTask());
            if (!dataExisted && exitCode != 0) RemoveCreatedDataFolder(paths.DataDirectory);
            if (helpStore is not null) RemoveCreatedDataFolder(helpStore);
        }
    }

    private static async Task DisposeQuietlyAsync(Func<Task> dispose)
    {
        try
        {
            await dispose();
        }
        catch (Exception)
        {
            // The command's own result (and its one error line) stands; clean-up trouble must not add a trace to it.
        }
    }

    /// <summary>One line for an error: a damaged database names its file and what to do; other messages are flattened.</summary>
    internal static string Describe(Exception e, KernelPaths? paths = null)
    {
        if (e is Microsoft.Data.Sqlite.SqliteException sqlite && paths is not null
            && Storage.DataFolder.DescribeDamage(sqlite, Path.Combine(paths.DataDirectory, Storage.DataFolder.DatabaseFileName)) is { } damage)
            return damage;
        if (paths is not null && IsDiskFull(e, paths))
            return $"the disk of data folder {paths.DataDirectory} is full ({OneLine(e.Message)}): nothing was stored; free space and try again";
        var message = CommandAction.IsOperatorError(e) || e is Storage.DataFolderException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException
            ? e.Message
            : $"{e.GetType().Name}: {e.Message}";
        return string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
    }

    /// <summary>
    /// SQLite reports a full disk as SQLITE_FULL, or as a disk I/O error when it cannot even grow its shared-memory file;
    /// a body write as ENOSPC. Either way nothing was stored, and the answer is "try again later" (EX_TEMPFAIL).
    /// </summary>
    private static bool IsDiskFull(Exception e, KernelPaths? paths)
    {
        if (paths is null) return false;
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 }) return true; // SQLITE_FULL
            if (inner is IOException io && (io.HResult & 0xFFFF) == 28) return true; // ENOSPC
        }
        if (e is not (Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 10 } or IOException)) return false;
        try
        {
            return Directory.Exists(paths.DataDirectory) && new DriveInfo(paths.DataDirectory).AvailableFreeSpace < 256 * 1024;
        }
        catch (Exception probe) when (probe is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

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
        root.Subcommands.Add(ForwarderCommands.Create(context));
        root.Subcommands.Add(GroupCommands.Create(context, GroupKind.Group));
        root.Subcommands.Add(GroupCommands.Create(context, GroupKind.MailingList));
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

    private static string[] WithoutDataOption(string[] args)
    {
        var kept = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--data") { i++; continue; }
            if (args[i].StartsWith("--data=", StringComparison.Ordinal)) continue;
            kept.Add(args[i]);
        }
        return [.. kept];
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
