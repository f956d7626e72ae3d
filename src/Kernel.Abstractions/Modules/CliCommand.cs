namespace Kernel.Abstractions;

/// <summary>
/// One CLI command described without tying the SDK to a command-line library. <see cref="Path"/> is the words
/// after <c>kernel</c> (<c>["route", "test"]</c>). Arguments and options are parsed by the host and passed by name.
/// </summary>
public sealed record CliCommand(
    IReadOnlyList<string> Path,
    string Description,
    IReadOnlyList<CliArgument> Arguments,
    IReadOnlyList<CliOption> Options,
    Func<CliInvocation, CancellationToken, Task<int>> RunAsync);
