namespace Kernel.Abstractions;

/// <summary>RFC 3461 §4.1 NOTIFY. <see cref="Default"/>: not given (failures are reported).</summary>
[Flags]
public enum DsnNotify
{
    Default = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}
