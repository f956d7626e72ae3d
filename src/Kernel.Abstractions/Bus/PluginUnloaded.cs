namespace Kernel.Abstractions;

public sealed record PluginUnloaded(string Name) : KernelEvent;
