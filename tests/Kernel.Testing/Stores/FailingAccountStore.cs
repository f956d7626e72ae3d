using Kernel.Abstractions;

namespace Kernel.Testing.Stores;

/// <summary>A directory whose database is unavailable: every call fails (the one hand-written store: a real one cannot be made to fail on cue).</summary>
public sealed class FailingAccountStore : IAccountStore
{
    private static Exception Down() => new IOException("database unavailable");

    public Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default) => throw Down();
    public Task CreateDomainAsync(string domain, CancellationToken cancellationToken = default) => throw Down();
    public Task DeleteDomainAsync(string domain, CancellationToken cancellationToken = default) => throw Down();
    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default) => throw Down();
    public Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default) => throw Down();
    public Task AddDomainAliasAsync(string domain, string alias, CancellationToken cancellationToken = default) => throw Down();
    public Task RemoveDomainAliasAsync(string alias, CancellationToken cancellationToken = default) => throw Down();
    public Task CreateAccountAsync(AccountAddress account, string? password, string? realName = null, CancellationToken cancellationToken = default) => throw Down();
    public Task DeleteAccountAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw Down();
    public Task<AccountInfo?> GetAccountAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw Down();
    public Task<IReadOnlyList<AccountInfo>> ListAccountsAsync(string domain, CancellationToken cancellationToken = default) => throw Down();
    public Task SetPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default) => throw Down();
    public Task<bool> VerifyPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default) => throw Down();
    public Task<CredentialVerifier?> GetCredentialVerifierAsync(AccountAddress account, CredentialMechanism mechanism, string? realm = null, CancellationToken cancellationToken = default) => throw Down();
    public Task AddAliasAsync(AccountAddress alias, AccountAddress account, CancellationToken cancellationToken = default) => throw Down();
    public Task RemoveAliasAsync(AccountAddress alias, CancellationToken cancellationToken = default) => throw Down();
    public Task<IReadOnlyList<AliasInfo>> ListAliasesAsync(string domain, CancellationToken cancellationToken = default) => throw Down();
    public Task<IReadOnlyList<DirectoryObject>> ListObjectsAsync(string domain, DirectoryObjectKind? kind = null, CancellationToken cancellationToken = default) => throw Down();
    public Task SetForwarderAsync(AccountAddress forwarder, string target, CancellationToken cancellationToken = default) => throw Down();
    public Task RemoveForwarderAsync(AccountAddress forwarder, CancellationToken cancellationToken = default) => throw Down();
    public Task CreateGroupAsync(AccountAddress group, GroupKind kind, CancellationToken cancellationToken = default) => throw Down();
    public Task RemoveGroupAsync(AccountAddress group, CancellationToken cancellationToken = default) => throw Down();
    public Task SetGroupMembersAsync(AccountAddress group, IReadOnlyList<string> members, CancellationToken cancellationToken = default) => throw Down();
    public Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default) => throw Down();
    public Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default) => throw Down();
    public Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default) => throw Down();
    public Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default) => throw Down();
    public Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default) => throw Down();
    public Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw Down();
    public Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default) => throw Down();
}
