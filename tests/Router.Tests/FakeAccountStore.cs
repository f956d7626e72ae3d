using Kernel.Abstractions;

namespace Router.Tests;

/// <summary>An in-memory directory with only what the Router reads: domains, domain aliases, objects and settings.</summary>
public sealed class FakeAccountStore : IAccountStore
{
    public string? MainDomain { get; set; }

    public HashSet<string> Domains { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string> DomainAliases { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, DirectoryObject> Objects { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<(string Scope, string Key), string> Settings { get; } = [];

    /// <summary>Set to make every lookup fail, as a broken directory would.</summary>
    public bool Broken { get; set; }

    public static FakeAccountStore Base()
    {
        // router.md §11 base: Main Domain main.dom; Secondary Domains domain.dom and our.dom.
        var store = new FakeAccountStore { MainDomain = "main.dom" };
        store.Domains.UnionWith(["main.dom", "domain.dom", "our.dom"]);
        store.Account("alice@domain.dom");
        store.Account("boss@main.dom");
        store.Account("postmaster@main.dom");
        return store;
    }

    public void Account(string address) => Add(DirectoryObjectKind.Account, address, null);

    public void Add(DirectoryObjectKind kind, string address, string? target)
    {
        var at = address.LastIndexOf('@');
        Objects[address.ToLowerInvariant()] = new DirectoryObject(kind, new AccountAddress(address[..at], address[(at + 1)..]), target);
    }

    public Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default) => Check(MainDomain);

    public Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default) =>
        Check(Domains.Contains(name) ? name.ToLowerInvariant() : DomainAliases.TryGetValue(name, out var real) ? real : null);

    public Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default) =>
        Check(Objects.TryGetValue(name.ToString(), out var found) ? found : null);

    public Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default)
    {
        var own = Settings.TryGetValue((scope.ToString(), key), out var value) ? value : null;
        // Inheritance as the store does it: a domain falls back to the server.
        if (own is null && scope.Kind != SettingScopeKind.Server) Settings.TryGetValue((SettingScope.Server.ToString(), key), out own);
        return Check(own);
    }

    public void Set(SettingScope scope, string key, string value) => Settings[(scope.ToString(), key)] = value;

    private Task<T> Check<T>(T value) => Broken ? throw new InvalidOperationException("directory down") : Task.FromResult(value);

    public Task CreateDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task DeleteDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DomainInfo>>(Domains.Order().Select(d => new DomainInfo(d, d == MainDomain, [])).ToArray());
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
    public Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(Settings.Where(s => s.Key.Scope == scope.ToString()).ToDictionary(s => s.Key.Key, s => s.Value));
    public Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
