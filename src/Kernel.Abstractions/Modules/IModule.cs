namespace Kernel.Abstractions;

/// <summary>
/// A plugin's entry point. Export it with <see cref="ModuleAttribute"/>; kernel services are imported through an
/// <c>[ImportingConstructor]</c>. The host calls <see cref="StartAsync"/> once and <see cref="StopAsync"/> once.
/// </summary>
public interface IModule
{
    Task StartAsync(IModuleContext context, CancellationToken cancellationToken);

    /// <summary>Stop accepting work, drain what is in flight, release every resource (the load context is collected after this).</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
