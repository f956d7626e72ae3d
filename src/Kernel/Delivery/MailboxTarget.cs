using Kernel.Abstractions;
using Kernel.Mailboxes;

namespace Kernel.Delivery;

/// <summary>
/// Where a rule's "Store in" puts a copy: an own mailbox name of the account, or a foreign <c>~acct/box</c> /
/// <c>~acct@domain/box</c> name (rules.md §6.1; a bare <c>~acct</c> means the given default domain).
/// </summary>
internal sealed record MailboxTarget(AccountAddress Owner, string Mailbox)
{
    public static bool IsForeign(string name) => ForeignMailboxName.IsForeign(name);

    /// <summary>The foreign name read by the one parser (<see cref="ForeignMailboxName"/>, mailboxes.md §3); null when it is not one or has no mailbox part.</summary>
    public static MailboxTarget? ParseForeign(string name, string? defaultDomain) =>
        ForeignMailboxName.TryParse(name, out var foreign) && foreign!.Rest.Length > 0 && foreign.Owner(defaultDomain) is { } owner
            ? new MailboxTarget(owner, foreign.Rest)
            : null;

    /// <summary>Rule flag names (with or without the IMAP backslash) as system flags; the rest are keywords.</summary>
    public static (MessageFlags Flags, IReadOnlyList<string>? Keywords) SplitFlags(IEnumerable<string> names, MessageFlags start = MessageFlags.None)
    {
        var flags = start;
        List<string>? keywords = null;
        foreach (var name in names)
        {
            if (Enum.TryParse<MessageFlags>(name.TrimStart('\\'), ignoreCase: true, out var flag) && flag != MessageFlags.None) flags |= flag;
            else (keywords ??= []).Add(name);
        }
        return (flags, keywords);
    }
}
