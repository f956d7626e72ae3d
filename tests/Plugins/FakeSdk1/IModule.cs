namespace Kernel.Abstractions;

/// <summary>The fake SDK 1.0 entry point: only its assembly version matters to the host.</summary>
public interface IModule
{
    Task StartAsync(CancellationToken cancellationToken);
}
