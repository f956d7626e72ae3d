using System.Composition;
using Kernel.Abstractions;

namespace SdkTwo;

/// <summary>Built against SDK 2.0.0; a 1.x host must refuse it before this code runs.</summary>
[Export(typeof(IModule))]
public sealed class SdkTwoModule : IModule
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
