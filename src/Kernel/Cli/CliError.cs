namespace Kernel.Cli;

/// <summary>Bad input to a CLI command (or a refusal): printed as one line on stderr, exit code 1 unless <see cref="ExitCode"/> says otherwise.</summary>
public sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>1 for bad input; <see cref="CommandAction.TemporaryFailure"/> (75) when nothing was stored and a retry may work.</summary>
    public int ExitCode { get; } = exitCode;
}
