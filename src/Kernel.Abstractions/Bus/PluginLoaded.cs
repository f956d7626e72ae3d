namespace Kernel.Abstractions;

public sealed record PluginLoaded(string Name, string Version) : KernelEvent;
