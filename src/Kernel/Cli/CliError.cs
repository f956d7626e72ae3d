namespace Kernel.Cli;

/// <summary>Bad input to a CLI command: printed as one line on stderr, exit code 1.</summary>
public sealed class CliError(string message) : Exception(message);
