using Kernel.Abstractions;

namespace Router.Bench;

/// <summary>A directory with one local domain and nothing else, answered from memory (the bench measures the Router, not SQLite).</summary>
internal sealed class BenchDirectory : IAccountStore
{
    private static readonly Task<string?> Main = Task.FromResult<string?>("main.dom");
    private static readonly Task<string?> None = Task.FromResult<string?>(null);

    public Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default) => Main;
    public Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default) => name == "main.dom" ? Main : None;
    public Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default) => Task.FromResult<DirectoryObject?>(null);
    public Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default) => None;

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
    public Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
