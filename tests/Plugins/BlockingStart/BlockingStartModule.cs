using Kernel.Abstractions;

namespace BlockingStart;

/// <summary>Its StartAsync blocks its thread for ever (issue 8 §2): only this plugin may fail, nothing may wait for it.</summary>
[Module("BlockingStart", "1.0.0")]
public sealed class BlockingStartModule : IModule
{
    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        Thread.Sleep(Timeout.Infinite);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
