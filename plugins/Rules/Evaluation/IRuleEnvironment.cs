using Kernel.Abstractions;

namespace Rules;

/// <summary>
/// What conditions and the <c>Remember 'From' in</c> action need from outside the message (rules.md §5, §6): the clock
/// in the right time zone, the account's mailboxes and settings, its remembered address lists. No network, no DNS (§8.4).
/// </summary>
internal interface IRuleEnvironment
{
    /// <summary>Now, in the server's time zone (account null) or the account's <c>TimeZone</c> setting.</summary>
    Task<DateTimeOffset> NowAsync(AccountAddress? account, CancellationToken cancellationToken);

    Task<bool> MailboxExistsAsync(AccountAddress account, string mailbox, CancellationToken cancellationToken);

    Task<string?> PreferenceAsync(AccountAddress account, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> RememberedAsync(AccountAddress account, string list, CancellationToken cancellationToken);

    /// <summary>Adds an address to a remembered list (at most 500, oldest dropped); a dry run (<c>rules test</c>) does nothing.</summary>
    Task RememberAsync(AccountAddress account, string list, string address, CancellationToken cancellationToken);
}
