namespace Kernel.Abstractions;

/// <summary>What happened to a mailbox (<see cref="MailboxChanged.Kind"/>). New kinds may be added; a subscriber ignores kinds it does not know.</summary>
public enum MailboxChangeKind
{
    /// <summary>Messages were added (APPEND, delivery, COPY/MOVE into it).</summary>
    Appended,

    /// <summary>Flags or keywords of messages changed (STORE).</summary>
    FlagsChanged,

    /// <summary>Messages were removed (EXPUNGE, MOVE out of it); their UIDs are kept as tombstones for QRESYNC.</summary>
    Expunged,

    /// <summary>The mailbox (or its store facet) was created.</summary>
    Created,

    /// <summary>The mailbox (or its store facet) was deleted: an open view on it can no longer be used.</summary>
    Deleted,

    /// <summary>The mailbox got a new name (<see cref="MailboxChanged.OldName"/> holds the previous one); its id is the same.</summary>
    Renamed,

    /// <summary>Its ACL changed, so everybody's rights on it may have changed.</summary>
    AclChanged,
}
