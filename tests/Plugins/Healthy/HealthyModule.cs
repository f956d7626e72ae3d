using System.Composition;
using Kernel.Abstractions;

namespace Healthy;

/// <summary>A well-behaved plugin: records its start and stop as files in its data folder.</summary>
[Module("Healthy", "1.2.3")]
public sealed class HealthyModule : IModule
{
    private string? _dataDirectory;

    [ImportingConstructor]
    public HealthyModule(IAccountStore accounts)
    {
        // Importing a kernel service proves the container exports it.
        ArgumentNullException.ThrowIfNull(accounts);
    }

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _dataDirectory = context.DataDirectory;
        File.WriteAllText(Path.Combine(context.DataDirectory, "started"), context.Name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_dataDirectory is not null) File.WriteAllText(Path.Combine(_dataDirectory, "stopped"), "yes");
        return Task.CompletedTask;
    }
}
