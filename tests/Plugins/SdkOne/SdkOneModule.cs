using System.Composition;
using Kernel.Abstractions;

namespace SdkOne;

/// <summary>Built against SDK 1.0.0 (before the 2.0 break); a 2.x host must refuse it before this code runs.</summary>
[Export(typeof(IModule))]
public sealed class SdkOneModule : IModule
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
