using Kernel.Abstractions;

namespace ThrowingConstructor;

/// <summary>Its constructor throws: only this plugin may fail.</summary>
[Module("ThrowingConstructor", "1.0.0")]
public sealed class ThrowingConstructorModule : IModule
{
    public ThrowingConstructorModule() => throw new InvalidOperationException("constructor refuses to run");

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
