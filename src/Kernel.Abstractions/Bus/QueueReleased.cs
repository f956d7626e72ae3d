namespace Kernel.Abstractions;

public sealed record QueueReleased(string Queue, int Messages) : KernelEvent;
