using Kernel.Abstractions;

namespace Kernel.Delivery;

/// <summary>
/// Where a rule's "Store in" puts a copy: an own mailbox name of the account, or a foreign <c>~acct/box</c> /
/// <c>~acct@domain/box</c> name (rules.md §6.1; a bare <c>~acct</c> means the given default domain).
/// </summary>
internal sealed record MailboxTarget(AccountAddress Owner, string Mailbox)
{
    public static bool IsForeign(string name) => name.StartsWith('~');

    public static MailboxTarget? ParseForeign(string name, string? defaultDomain)
    {
        if (!IsForeign(name)) return null;
        var slash = name.IndexOf('/');
        if (slash <= 1 || slash == name.Length - 1) return null;
        return AccountAddress.TryParse(name[1..slash], defaultDomain, out var owner) ? new MailboxTarget(owner!, name[(slash + 1)..]) : null;
    }

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
