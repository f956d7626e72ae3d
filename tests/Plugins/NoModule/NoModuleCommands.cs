using System.Composition;
using Kernel.Abstractions;

namespace NoModule;

/// <summary>Exports something, but no IModule: the host must call that a failure, not a silent no-op.</summary>
[Export(typeof(ICliCommands))]
public sealed class NoModuleCommands : ICliCommands
{
    public IReadOnlyList<CliCommand> Commands { get; } = [];
}
