namespace Kernel.Abstractions;

/// <summary>Why a mailbox call failed; the RFC 5530 / RFC 3501 response code a protocol plugin answers with.</summary>
public enum MailboxError
{
    /// <summary>NO [NONEXISTENT]. Also used for invisible mailboxes, with byte-identical text (mailboxes.md §5.4).</summary>
    NonExistent,

    /// <summary>NO [NOPERM]: visible, but the right is missing.</summary>
    NoPerm,

    /// <summary>NO [CANNOT]: a forbidden name or operation (delete INBOX, DELETE of an alias…).</summary>
    Cannot,

    /// <summary>NO [ALREADYEXISTS].</summary>
    AlreadyExists,

    /// <summary>NO [OVERQUOTA].</summary>
    OverQuota,

    /// <summary>NO [TRYCREATE]: an own target name that does not exist (RFC 3501 APPEND/COPY).</summary>
    TryCreate,

    /// <summary>BAD: a rights string with a letter outside RFC 4314's set, or a malformed identifier.</summary>
    BadRights,
}
