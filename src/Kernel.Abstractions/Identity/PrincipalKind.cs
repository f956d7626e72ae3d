namespace Kernel.Abstractions;

public enum PrincipalKind
{
    /// <summary>The server itself: the delivery pipeline, server-wide rules, the CLI. Passes every access check.</summary>
    System,

    /// <summary>An authenticated account. Administrator powers (mailboxes.md §10) come from that account's rights.</summary>
    User,
}
