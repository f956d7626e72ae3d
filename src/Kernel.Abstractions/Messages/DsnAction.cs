namespace Kernel.Abstractions;

/// <summary>RFC 3464 §2.3.3 Action.</summary>
public enum DsnAction
{
    Failed,
    Delayed,
    Delivered,
    Relayed,
    Expanded,
}
