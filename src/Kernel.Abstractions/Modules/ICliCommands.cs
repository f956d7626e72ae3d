namespace Kernel.Abstractions;

/// <summary>
/// CLI commands a plugin adds to the <c>kernel</c> executable (<c>kernel router show</c>, <c>kernel route test</c>).
/// The host loads plugins in every invocation and asks each export for its commands.
/// </summary>
public interface ICliCommands
{
    IReadOnlyList<CliCommand> Commands { get; }
}
