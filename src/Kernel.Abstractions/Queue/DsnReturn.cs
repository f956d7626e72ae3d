namespace Kernel.Abstractions;

/// <summary>RFC 3461 §4.3 RET.</summary>
public enum DsnReturn
{
    Default,
    Full,
    Headers,
}
