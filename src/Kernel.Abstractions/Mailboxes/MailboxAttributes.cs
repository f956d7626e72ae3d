namespace Kernel.Abstractions;

/// <summary>LIST attributes (RFC 3501, RFC 5258).</summary>
[Flags]
public enum MailboxAttributes
{
    None = 0,
    NoSelect = 1,
    HasChildren = 2,
    HasNoChildren = 4,
    NonExistent = 8,
    Subscribed = 16,

    /// <summary>The row is a mailbox alias (mailboxes.md §7).</summary>
    Alias = 32,
}
