using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>
/// Attaches a body to a command with the CLI's one error policy: bad input (unknown account, malformed address,
/// bad rights string…) is one line on stderr and exit code 1; nothing else is printed.
/// </summary>
public static class CommandAction
{
    /// <summary>EX_TEMPFAIL (sysexits.h), as sendmail answers: nothing was stored, try again later (a full disk, a busy store).</summary>
    public const int TemporaryFailure = 75;

    public static Command Run(this Command command, Func<CliContext> context, Func<ParseResult, CliContext, CancellationToken, Task> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var cli = context();
            try
            {
                await body(parseResult, cli, cancellationToken);
                return 0;
            }
            catch (Exception e) when (IsOperatorError(e))
            {
                await cli.Error.WriteLineAsync($"error: {e.Message}");
                return e is CliError { ExitCode: var code } ? code : 1;
            }
        });
        return command;
    }

    public static bool IsOperatorError(Exception e) =>
        e is CliError or DirectoryException or MailboxException or FileStoreException or ArgumentException
            or Storage.StoredBodyException or Hosting.KernelStartupException or Listeners.ListenerConfigurationException
            or Plugins.PluginAdministrationException or Storage.DataFolderException;
}
