using Kernel.Abstractions;

namespace Kernel.Tests.Queue.Fakes;

/// <summary>Only what the pipeline uses (group members, the Main Domain); the real store is written elsewhere.</summary>
public sealed class FakeAccountStore : IAccountStore
{
    public Dictionary<AccountAddress, IReadOnlyList<string>> Groups { get; } = [];

    public string? MainDomain { get; set; } = "test.dom";

    public Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default) => Task.FromResult(MainDomain);

    public Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default) =>
        Task.FromResult(Groups.TryGetValue(group, out var members) ? members : (IReadOnlyList<string>)[]);

    public Task CreateDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task DeleteDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();
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
    public Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
