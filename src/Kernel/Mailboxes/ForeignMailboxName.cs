using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>
/// The one parser of foreign mailbox names (mailboxes.md §3): <c>~acct/box</c>, <c>~acct@dom/box</c>,
/// <c>~acct/box/sub</c>. <see cref="AccountPart"/> is exactly as typed (<c>acct</c> or <c>acct@dom</c>) so a name can
/// be echoed back unchanged; <see cref="Rest"/> is everything after the first '/', unchecked, because its rules
/// depend on the use (an own name for CREATE, a LIST pattern for LIST).
/// </summary>
internal sealed record ForeignMailboxName(string Account, string? Domain, string Rest)
{
    public const char Marker = '~';

    /// <summary><c>acct</c> or <c>acct@dom</c>, as typed.</summary>
    public string AccountPart => Domain is null ? Account : $"{Account}@{Domain}";

    /// <summary><c>~acct/</c> or <c>~acct@dom/</c>: what a foreign name's sub-names and LIST results start with.</summary>
    public string Prefix => $"{Marker}{AccountPart}{MailboxName.Separator}";

    /// <summary>Whether the text is meant as a foreign name at all (§2.1: an own name never starts with '~').</summary>
    public static bool IsForeign(string? text) => !string.IsNullOrEmpty(text) && text[0] == Marker;

    /// <summary>
    /// §3: '~', an account part up to the first '/', then the rest. The account part is an object name (§2.2),
    /// optionally '@' and a domain name; it is never empty (<c>~/x</c>) and never a LIST wildcard (§5.2). False for
    /// anything else, which every caller answers as "no such mailbox" (§5.4: the same answer whichever part was wrong).
    /// </summary>
    public static bool TryParse(string? text, out ForeignMailboxName? name)
    {
        name = null;
        if (!TrySplit(text, out var accountPart, out var rest)) return false;
        var at = accountPart.IndexOf('@');
        var account = at < 0 ? accountPart : accountPart[..at];
        var domain = at < 0 ? null : accountPart[(at + 1)..];
        if (!ObjectName.IsValid(account)) return false; // also refuses empty, '*', '%' and a second '@'
        if (domain is not null && !DomainName.IsValid(domain)) return false;
        name = new ForeignMailboxName(account, domain, rest);
        return true;
    }

    /// <summary>
    /// The form alone: '~', then the account part up to the first '/' (unchecked), then the rest. For a caller that
    /// explains a bad account part itself (the CLI names it to the operator); every other caller uses <see cref="TryParse"/>.
    /// </summary>
    public static bool TrySplit(string? text, out string accountPart, out string rest)
    {
        (accountPart, rest) = ("", "");
        if (!IsForeign(text)) return false;
        var slash = text!.IndexOf(MailboxName.Separator);
        if (slash < 0) return false;
        (accountPart, rest) = (text[1..slash], text[(slash + 1)..]);
        return true;
    }

    /// <summary>The owner's address: the account part's own domain, else <paramref name="defaultDomain"/> (the user's, or the Main Domain for the System).</summary>
    public AccountAddress? Owner(string? defaultDomain)
    {
        var domain = Domain ?? defaultDomain;
        return domain is null ? null : new AccountAddress(Account, domain);
    }
}
