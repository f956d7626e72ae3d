namespace Kernel.Abstractions;

/// <summary>
/// Domains, accounts and the other directory objects, settings with inheritance, credentials and administrator
/// rights. Names are case-insensitive. Invalid input throws <see cref="DirectoryException"/> and changes nothing.
/// </summary>
public interface IAccountStore
{
    // --- Domains ---

    /// <summary>The Main Domain: the server setting <c>MainDomain</c>, else the first domain created; null when there is none.</summary>
    Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default);

    Task CreateDomainAsync(string domain, CancellationToken cancellationToken = default);

    /// <summary>Removes a domain with all its objects, mailboxes and files.</summary>
    Task DeleteDomainAsync(string domain, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default);

    /// <summary>The real domain for a domain name or one of its aliases; null when neither.</summary>
    Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default);

    Task AddDomainAliasAsync(string domain, string alias, CancellationToken cancellationToken = default);

    Task RemoveDomainAliasAsync(string alias, CancellationToken cancellationToken = default);

    // --- Accounts ---

    /// <summary>
    /// Creates the account with its INBOX, and applies the domain's Account Template (extra mailboxes,
    /// initial subscriptions, mailbox aliases — copied, mailboxes.md §8). Stores only password verifiers.
    /// </summary>
    Task CreateAccountAsync(AccountAddress account, string? password, string? realName = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the account, its aliases, mailboxes, subscriptions and files.</summary>
    Task DeleteAccountAsync(AccountAddress account, CancellationToken cancellationToken = default);

    Task<AccountInfo?> GetAccountAsync(AccountAddress account, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AccountInfo>> ListAccountsAsync(string domain, CancellationToken cancellationToken = default);

    Task SetPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default);

    /// <summary>Checks a plain password (LOGIN, PLAIN, HTTP Basic) against the salted slow hash.</summary>
    Task<bool> VerifyPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default);

    /// <summary>
    /// The stored verifier for a mechanism that cannot work from a slow hash (design.md "Passwords"):
    /// the CRAM-MD5 HMAC context, or the SIP digest HA1 for a realm. Null when absent or switched off for the domain.
    /// </summary>
    Task<CredentialVerifier?> GetCredentialVerifierAsync(AccountAddress account, CredentialMechanism mechanism, string? realm = null, CancellationToken cancellationToken = default);

    // --- Aliases, forwarders, groups, mailing lists ---

    /// <summary>An account alias: <c>alias@domain</c> names the account (same domain).</summary>
    Task AddAliasAsync(AccountAddress alias, AccountAddress account, CancellationToken cancellationToken = default);

    Task RemoveAliasAsync(AccountAddress alias, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AliasInfo>> ListAliasesAsync(string domain, CancellationToken cancellationToken = default);

    /// <summary>A forwarder: <c>name@domain</c> is rerouted to <paramref name="target"/> (any address).</summary>
    Task SetForwarderAsync(AccountAddress forwarder, string target, CancellationToken cancellationToken = default);

    Task RemoveForwarderAsync(AccountAddress forwarder, CancellationToken cancellationToken = default);

    Task CreateGroupAsync(AccountAddress group, GroupKind kind, CancellationToken cancellationToken = default);

    Task RemoveGroupAsync(AccountAddress group, CancellationToken cancellationToken = default);

    Task SetGroupMembersAsync(AccountAddress group, IReadOnlyList<string> members, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default);

    /// <summary>What <c>name@domain</c> names in a real domain (router.md §6.3): an account, alias, forwarder, group or list; null when nothing.</summary>
    Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every object of a real domain (or a domain alias of it), ordered by name, with <see cref="DirectoryObject.Target"/>
    /// as <see cref="FindObjectAsync"/> gives it; only those of <paramref name="kind"/> when given. An unknown domain throws
    /// <see cref="DirectoryException"/> (<see cref="DirectoryError.NotFound"/>), as <see cref="ListAliasesAsync"/> does.
    /// </summary>
    Task<IReadOnlyList<DirectoryObject>> ListObjectsAsync(string domain, DirectoryObjectKind? kind = null, CancellationToken cancellationToken = default);

    // --- Settings with inheritance: server defaults → domain defaults → account template → account ---

    /// <summary>The effective value of a setting for a scope, walking up the inheritance chain; null when unset everywhere.</summary>
    Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default);

    /// <summary>Only the value stored at exactly this scope.</summary>
    Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default);

    /// <summary>Sets (or with null removes) a value at exactly this scope.</summary>
    Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default);

    // --- Administrator rights (mailboxes.md §10) ---

    Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default);

    /// <summary>Server rights only for Main-Domain accounts, else <see cref="DirectoryException"/>.</summary>
    Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default);
}
