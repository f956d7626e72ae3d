namespace Kernel.Abstractions;

public enum OutboundCopyMode
{
    /// <summary>Same message, new envelope recipient, headers unchanged.</summary>
    Redirect,

    /// <summary>A new message that carries the original.</summary>
    Forward,

    /// <summary>Like Redirect, but the envelope sender is kept.</summary>
    Mirror,
}
