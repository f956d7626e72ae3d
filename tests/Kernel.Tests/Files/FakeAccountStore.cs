using Kernel.Abstractions;

namespace Kernel.Tests.Files;

/// <summary>
/// The account store is written in parallel by another helper: this fake has only what the file store reads
/// (accounts, administrator rights, settings) and counts rights look-ups; everything else throws.
/// </summary>
public sealed class FakeAccountStore : IAccountStore
{
    private readonly HashSet<AccountAddress> _accounts = [];
    private readonly Dictionary<AccountAddress, AdminRights> _rights = [];
    private readonly Dictionary<(AccountAddress, string), string> _settings = [];

    public int RightsLookups { get; private set; }

    public FakeAccountStore WithAccount(string address)
    {
        AccountAddress.TryParse(address, null, out var parsed);
        _accounts.Add(parsed!);
        return this;
    }

    public void SetRights(AccountAddress account, AdminRights rights) => _rights[account] = rights;

    public void SetSetting(AccountAddress account, string key, string? value)
    {
        if (value is null) _settings.Remove((account, key));
        else _settings[(account, key)] = value;
    }

    public Task<AccountInfo?> GetAccountAsync(AccountAddress account, CancellationToken cancellationToken = default) =>
        Task.FromResult(_accounts.Contains(account) ? new AccountInfo(account, null, DateTimeOffset.UnixEpoch) : null);

    public Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default)
    {
        RightsLookups++;
        return Task.FromResult(_rights.GetValueOrDefault(account, AdminRights.None));
    }

    public Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default)
    {
        Assert.Equal(SettingScopeKind.Account, scope.Kind);
        return Task.FromResult(_settings.GetValueOrDefault((new AccountAddress(scope.Account!, scope.Domain!), key)));
    }

    public Task<string?> GetMainDomainAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task CreateDomainAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task DeleteDomainAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task AddDomainAliasAsync(string domain, string alias, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task RemoveDomainAliasAsync(string alias, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task CreateAccountAsync(AccountAddress account, string? password, string? realName, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task DeleteAccountAsync(AccountAddress account, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<AccountInfo>> ListAccountsAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task SetPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<bool> VerifyPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CredentialVerifier?> GetCredentialVerifierAsync(AccountAddress account, CredentialMechanism mechanism, string? realm, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task AddAliasAsync(AccountAddress alias, AccountAddress account, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task RemoveAliasAsync(AccountAddress alias, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<AliasInfo>> ListAliasesAsync(string domain, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task SetForwarderAsync(AccountAddress forwarder, string target, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task RemoveForwarderAsync(AccountAddress forwarder, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task CreateGroupAsync(AccountAddress group, GroupKind kind, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task RemoveGroupAsync(AccountAddress group, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task SetGroupMembersAsync(AccountAddress group, IReadOnlyList<string> members, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken) => throw new NotSupportedException();
}
