namespace Kernel.Accounts;

/// <summary>The lists an Account Template copies into a new account: extra mailboxes, subscriptions, mailbox aliases (alias → target).</summary>
public sealed record AccountTemplateLists(
    IReadOnlyList<string> Mailboxes,
    IReadOnlyList<string> Subscriptions,
    IReadOnlyList<KeyValuePair<string, string>> MailboxAliases)
{
    public static AccountTemplateLists Empty { get; } = new([], [], []);
}
