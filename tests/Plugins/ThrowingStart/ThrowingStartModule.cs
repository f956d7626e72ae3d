using Kernel.Abstractions;

namespace ThrowingStart;

/// <summary>Its StartAsync throws: only this plugin may fail.</summary>
[Module("ThrowingStart", "1.0.0")]
public sealed class ThrowingStartModule : IModule
{
    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("start refuses to run");

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
