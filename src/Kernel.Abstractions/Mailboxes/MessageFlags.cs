namespace Kernel.Abstractions;

/// <summary>IMAP system flags (RFC 3501 §2.3.2); keywords travel beside them as strings. Flags are shared by every reader (mailboxes.md §1).</summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}
