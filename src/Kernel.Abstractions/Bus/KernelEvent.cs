namespace Kernel.Abstractions;

/// <summary>The base of every bus event.</summary>
public abstract record KernelEvent
{
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
}
