namespace Kernel.Abstractions;

/// <summary>Why the Router refused; each protocol maps it to its code (router.md §10).</summary>
public enum RejectReason
{
    UnknownUser,
    Blocked,
    BadSyntax,
    Loop,
    UnknownDomain,
    TempFailure,
}
