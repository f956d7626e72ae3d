namespace Kernel.Abstractions;

/// <summary>
/// The nine stored rights (mailboxes.md §4.1). RFC 4314 letters map onto them: <c>k</c>≡<c>c</c> (Create) and
/// <c>x</c>,<c>t</c>,<c>e</c>≡<c>d</c> (Delete). Reported in the canonical order <c>l r s w i p k x t e c d a</c>.
/// </summary>
[Flags]
public enum MailboxRights
{
    None = 0,
    Lookup = 1 << 0,
    Read = 1 << 1,
    Seen = 1 << 2,
    Write = 1 << 3,
    Insert = 1 << 4,
    Post = 1 << 5,
    Create = 1 << 6,
    Delete = 1 << 7,
    Administer = 1 << 8,
    All = Lookup | Read | Seen | Write | Insert | Post | Create | Delete | Administer,
}
