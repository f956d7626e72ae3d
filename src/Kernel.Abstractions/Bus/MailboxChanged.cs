namespace Kernel.Abstractions;

/// <summary>
/// A mailbox changed: its content (append, flags, expunge), its existence or name, or its ACL. Keyed by
/// <see cref="MailboxId"/>, which stays the same across renames and whatever name a session typed (own,
/// <c>~account/box</c>, an alias), so an IMAP IDLE on any of them filters by it. Published after the change is
/// durable, by this process at once and by the server for changes another process (the CLI) made, within a second.
/// Non-positional so it can grow: new properties are added, never removed.
/// </summary>
public sealed record MailboxChanged : KernelEvent
{
    /// <summary>The mailbox's stable id (<see cref="IMailboxView.MailboxId"/>).</summary>
    public required long MailboxId { get; init; }

    /// <summary>The account holding the mailbox.</summary>
    public required AccountAddress Owner { get; init; }

    /// <summary>The owner's own name for the mailbox after the change (<c>INBOX/sales</c>).</summary>
    public required string Mailbox { get; init; }

    public required MailboxChangeKind Kind { get; init; }

    /// <summary>RFC 7162 HIGHESTMODSEQ after the change.</summary>
    public ulong HighestModSeq { get; init; }

    /// <summary>UIDNEXT after the change.</summary>
    public uint UidNext { get; init; }

    /// <summary>How many messages the mailbox holds after the change.</summary>
    public int Messages { get; init; }

    /// <summary>For <see cref="MailboxChangeKind.Renamed"/>: the owner's name before the rename; otherwise null.</summary>
    public string? OldName { get; init; }
}
