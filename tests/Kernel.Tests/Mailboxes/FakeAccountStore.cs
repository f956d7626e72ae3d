using Kernel.Abstractions;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Minimal in-memory IAccountStore for the mailbox tests: domains and domain aliases, accounts and account aliases,
/// groups, administrator rights and account settings. Everything else throws. The real SqliteAccountStore replaces
/// it at merge.
/// </summary>
internal sealed class FakeAccountStore : IAccountStore
{
    private readonly Dictionary<string, string> _domains = new(StringComparer.OrdinalIgnoreCase); // name or alias → real domain
    private readonly HashSet<AccountAddress> _accounts = [];
    private readonly Dictionary<AccountAddress, AccountAddress> _aliases = [];
    private readonly Dictionary<AccountAddress, List<string>> _groups = [];
    private readonly Dictionary<AccountAddress, AdminRights> _admins = [];
    private readonly Dictionary<(AccountAddress, string), string> _settings = [];
    private string? _mainDomain;

    public int AdminLookups { get; private set; }

    public void AddDomain(string domain)
    {
        _mainDomain ??= domain;
        _domains[domain] = domain;
    }

    public void AddDomainAlias(string alias, string domain) => _domains[alias] = domain;

    public void AddAccount(AccountAddress account) => _accounts.Add(account);

    public bool HasAccount(AccountAddress account) => _accounts.Contains(account);

    public void AddAccountAlias(AccountAddress alias, AccountAddress account) => _aliases[alias] = account;

    public AccountAddress? AliasTarget(AccountAddress alias) => _aliases.GetValueOrDefault(alias);

    public void SetGroup(AccountAddress group, params string[] members) => _groups[group] = [.. members];

    public void SetAdmin(AccountAddress account, AdminRights rights) => _admins[account] = rights;

    public void SetAccountSetting(AccountAddress account, string key, string? value)
    {
        if (value is null) _settings.Remove((account, key));
        else _settings[(account, key)] = value;
    }

    public Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default) => Task.FromResult(_mainDomain);

    public Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_domains.TryGetValue(name, out var real) ? real : null);

    public Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default) =>
        _groups.TryGetValue(group, out var members)
            ? Task.FromResult<IReadOnlyList<string>>(members)
            : throw new DirectoryException(DirectoryError.NotFound, $"no group {group}");

    public Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default)
    {
        DirectoryObject? found =
            _accounts.Contains(name) ? new(DirectoryObjectKind.Account, name, null)
            : _groups.ContainsKey(name) ? new(DirectoryObjectKind.Group, name, null)
            : _aliases.TryGetValue(name, out var target) ? new(DirectoryObjectKind.Alias, name, target.ToString())
            : null;
        return Task.FromResult(found);
    }

    public Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default)
    {
        if (scope.Kind != SettingScopeKind.Account) return Task.FromResult<string?>(null);
        return Task.FromResult(_settings.GetValueOrDefault((new AccountAddress(scope.Account!, scope.Domain!), key)));
    }

    public Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default)
    {
        AdminLookups++;
        return Task.FromResult(_admins.GetValueOrDefault(account) ?? AdminRights.None);
    }

    public Task CreateDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task DeleteDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task AddDomainAliasAsync(string domain, string alias, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task RemoveDomainAliasAsync(string alias, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task CreateAccountAsync(AccountAddress account, string? password, string? realName = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task DeleteAccountAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<AccountInfo?> GetAccountAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<AccountInfo>> ListAccountsAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<bool> VerifyPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<CredentialVerifier?> GetCredentialVerifierAsync(AccountAddress account, CredentialMechanism mechanism, string? realm = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task AddAliasAsync(AccountAddress alias, AccountAddress account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task RemoveAliasAsync(AccountAddress alias, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<AliasInfo>> ListAliasesAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<DirectoryObject>> ListObjectsAsync(string domain, DirectoryObjectKind? kind = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetForwarderAsync(AccountAddress forwarder, string target, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task RemoveForwarderAsync(AccountAddress forwarder, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task CreateGroupAsync(AccountAddress group, GroupKind kind, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task RemoveGroupAsync(AccountAddress group, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetGroupMembersAsync(AccountAddress group, IReadOnlyList<string> members, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
