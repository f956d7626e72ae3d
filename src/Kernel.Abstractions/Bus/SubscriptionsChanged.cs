namespace Kernel.Abstractions;

/// <summary>
/// An account's subscription list changed (SUBSCRIBE, UNSUBSCRIBE, a whole list saved). Keyed by account because a
/// subscription list is per account, not per mailbox (mailboxes.md §6); an IMAP NOTIFY or a WebUser folder list
/// re-reads it. Non-positional so it can grow.
/// </summary>
public sealed record SubscriptionsChanged : KernelEvent
{
    public required AccountAddress Account { get; init; }
}
