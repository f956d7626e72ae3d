using Dapper;
using Kernel.Abstractions;
using Kernel.Configuration;
using Kernel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Kernel.Accounts;

/// <summary>
/// The directory in SQLite: domains and their aliases, accounts, account aliases, forwarders, groups and mailing
/// lists, settings with inheritance, password verifiers and administrator rights (issue 3 §4, mailboxes.md §8, §10).
/// Every write is one IMMEDIATE transaction: bad input throws <see cref="DirectoryException"/> before anything is
/// written. Look-ups of a malformed or unknown name return null rather than throw, so a protocol can pass what a
/// client typed. Names are stored lower-case.
/// </summary>
public sealed class SqliteAccountStore(
    SqliteDatabase database,
    IMessageBus bus,
    IEnumerable<IAccountLifecycle> lifecycles,
    ILogger<SqliteAccountStore> logger) : IAccountStore
{
    /// <summary>Forwarder targets and group members are addresses: RFC 5321 §4.5.3.1.3 caps a path at 256 octets.</summary>
    public const int MaxAddressLength = 256;

    public const int MaxRealNameLength = 256;

    public const int MaxSettingKeyLength = 128;

    public const int MaxSettingValueLength = 64 * 1024;

    public const int MaxGroupMembers = 100_000;

    private static readonly Lazy<string> UnknownAccountHash = new(() => PasswordHash.Create(Guid.NewGuid().ToString("N")));

    // Materialised on first use: the stores taking part (mailboxes, files) themselves depend on this store.
    private readonly Lazy<IAccountLifecycle[]> _lifecycleList = new(() => lifecycles.ToArray());

    private IAccountLifecycle[] Lifecycles => _lifecycleList.Value;

    /// <summary>PBKDF2 cost for new hashes (tests lower it; production keeps the default).</summary>
    internal int PasswordIterations { get; init; } = PasswordHash.DefaultIterations;

    // ------------------------------------------------------------------ Domains

    public async Task<string?> GetMainDomainAsync(CancellationToken cancellationToken = default)
    {
        await using var lease = await database.RentAsync(cancellationToken);
        return await lease.Connection.ExecuteScalarPreparedAsync<string?>(AccountStoreSql.MainDomain);
    }

    public async Task CreateDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = ValidDomain(domain);
        await WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<bool>(AccountStoreSql.IsDomainOrAlias, new { name }, tx))
                throw new DirectoryException(DirectoryError.AlreadyExists, $"domain {name} already exists");
            await c.ExecuteAsync(AccountStoreSql.InsertDomain, new { name, created = Now() }, tx);
            await ChangeSequence.BumpAsync(c, tx, null, cancellationToken);
            return 0;
        }, cancellationToken);
        logger.LogInformation("domain {Domain} created", name);
    }

    public async Task DeleteDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = ValidDomain(domain);
        var removed = await WriteAsync(async (c, tx) =>
        {
            if (!await c.ExecuteScalarAsync<bool>(AccountStoreSql.IsDomainName, new { name }, tx))
                throw new DirectoryException(DirectoryError.NotFound, await IsAliasAsync(c, tx, name)
                    ? $"{name} is a domain alias, not a domain; remove the alias instead"
                    : $"unknown domain {name}");
            var accounts = (await c.QueryAsync<string>(AccountStoreSql.ListAccountNames, new { domain = name }, tx))
                .Select(a => new AccountAddress(a, name)).ToList();
            foreach (var account in accounts)
            {
                foreach (var lifecycle in Lifecycles) await lifecycle.OnRemovingAsync(new SqliteStoreTransaction(c, tx), account, cancellationToken);
            }
            await c.ExecuteAsync(AccountStoreSql.DeleteDomainSettings, new { name }, tx);
            await c.ExecuteAsync(AccountStoreSql.DeleteMainDomainSetting, new { name }, tx);
            // Objects, accounts, members and domain aliases go with the domain (ON DELETE CASCADE).
            await c.ExecuteAsync(AccountStoreSql.DeleteDomain, new { name }, tx);
            await ChangeSequence.BumpAsync(c, tx, null, cancellationToken);
            return accounts;
        }, cancellationToken);
        foreach (var account in removed) await AfterRemovalAsync(account);
        logger.LogInformation("domain {Domain} removed with {Accounts} accounts", name, removed.Count);
    }

    public async Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        var main = await connection.ExecuteScalarAsync<string?>(Command(AccountStoreSql.MainDomain, null, cancellationToken, tx));
        var domains = await connection.QueryAsync<string>(Command(AccountStoreSql.ListDomains, null, cancellationToken, tx));
        var aliases = (await connection.QueryAsync<(string Alias, string Domain)>(Command(AccountStoreSql.ListDomainAliases, null, cancellationToken, tx)))
            .ToLookup(a => a.Domain, a => a.Alias, StringComparer.Ordinal);
        return domains.Select(d => new DomainInfo(d, d == main, aliases[d].ToList())).ToList();
    }

    public async Task<string?> ResolveDomainAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!DomainName.IsValid(name)) return null;
        await using var lease = await database.RentAsync(cancellationToken);
        return await lease.Connection.ExecuteScalarPreparedAsync<string?>(AccountStoreSql.RealDomain, new { name = name.ToLowerInvariant() });
    }

    public async Task AddDomainAliasAsync(string domain, string alias, CancellationToken cancellationToken = default)
    {
        var real = ValidDomain(domain);
        var name = ValidDomain(alias);
        await WriteAsync(async (c, tx) =>
        {
            if (!await c.ExecuteScalarAsync<bool>(AccountStoreSql.IsDomainName, new { name = real }, tx))
                throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {real}");
            if (await c.ExecuteScalarAsync<bool>(AccountStoreSql.IsDomainOrAlias, new { name }, tx))
                throw new DirectoryException(DirectoryError.AlreadyExists, $"{name} is already a domain or a domain alias");
            await c.ExecuteAsync(AccountStoreSql.InsertDomainAlias, new { alias = name, domain = real }, tx);
            await ChangeSequence.BumpAsync(c, tx, null, cancellationToken);
            return 0;
        }, cancellationToken);
    }

    public async Task RemoveDomainAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        var name = ValidDomain(alias);
        await WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(AccountStoreSql.DeleteDomainAlias, new { alias = name }, tx) == 0)
                throw new DirectoryException(DirectoryError.NotFound, $"unknown domain alias {name}");
            await ChangeSequence.BumpAsync(c, tx, null, cancellationToken);
            return 0;
        }, cancellationToken);
    }

    // ------------------------------------------------------------------ Accounts

    public async Task CreateAccountAsync(AccountAddress account, string? password, string? realName = null, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(account);
        if (password is not null) ValidatePassword(password);
        if (realName is not null) ValidateRealName(realName);
        // The slow hash runs before the write lock is taken; the realm is the real domain, so resolve it first.
        var realm = await ResolveDomainAsync(domain, cancellationToken)
            ?? throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {domain}");
        var verifiers = password is null ? Verifiers.None : ComputeVerifiers(name, realm, password);
        var address = new AccountAddress(name, realm);
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            if (real != realm) throw new DirectoryException(DirectoryError.NotFound, $"domain {domain} changed while the account was being created; try again");
            await RequireFreeAsync(c, tx, real, name);
            var template = await ReadTemplateListsAsync(c, tx, real);
            await c.ExecuteAsync(AccountStoreSql.InsertObject, new { domain = real, name, kind = (int)DirectoryObjectKind.Account, target = (string?)null }, tx);
            await c.ExecuteAsync(AccountStoreSql.InsertAccount, new { domain = real, name, created = Now(), hash = verifiers.Hash, cram = verifiers.CramMd5, ha1 = verifiers.Ha1 }, tx);
            if (!string.IsNullOrEmpty(realName))
                await c.ExecuteAsync(AccountStoreSql.UpsertSetting, new { scope = (int)SettingScopeKind.Account, domain = real, account = name, key = SettingKeys.RealName, value = realName }, tx);
            foreach (var lifecycle in Lifecycles) await lifecycle.OnCreatingAsync(new SqliteStoreTransaction(c, tx), address, template, cancellationToken);
            return 0;
        }, cancellationToken);
        logger.LogInformation("account {Account} created", address);
        bus.Publish(new AccountChanged(address, AccountChange.Created));
    }

    public async Task DeleteAccountAsync(AccountAddress account, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(account);
        var address = await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            await RequireKindAsync(c, tx, real, name, DirectoryObjectKind.Account);
            var address = new AccountAddress(name, real);
            foreach (var lifecycle in Lifecycles) await lifecycle.OnRemovingAsync(new SqliteStoreTransaction(c, tx), address, cancellationToken);
            await c.ExecuteAsync(AccountStoreSql.DeleteAliasesOf, new { domain = real, name }, tx);
            await c.ExecuteAsync(AccountStoreSql.DeleteAccountSettings, new { domain = real, name }, tx);
            await c.ExecuteAsync(AccountStoreSql.DeleteObject, new { domain = real, name }, tx);
            return address;
        }, cancellationToken);
        await AfterRemovalAsync(address);
        logger.LogInformation("account {Account} removed", address);
    }

    public async Task<AccountInfo?> GetAccountAsync(AccountAddress account, CancellationToken cancellationToken = default)
    {
        if (!IsValidAddress(account)) return null;
        await using var connection = await database.OpenAsync(cancellationToken);
        var domain = await RealDomainAsync(connection, account.Domain, cancellationToken);
        if (domain is null) return null;
        var row = await connection.QuerySingleOrDefaultAsync<AccountRow>(Command(AccountStoreSql.GetAccount, new { domain, name = account.Name }, cancellationToken));
        return row is null ? null : new AccountInfo(new AccountAddress(row.Name, domain), row.RealName, DateTimeOffset.Parse(row.Created, System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<IReadOnlyList<AccountInfo>> ListAccountsAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = ValidDomain(domain);
        await using var connection = await database.OpenAsync(cancellationToken);
        var real = await RealDomainAsync(connection, name, cancellationToken)
            ?? throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {name}");
        var rows = await connection.QueryAsync<AccountRow>(Command(AccountStoreSql.ListAccounts, new { domain = real }, cancellationToken));
        return rows.Select(r => new AccountInfo(new AccountAddress(r.Name, real), r.RealName, DateTimeOffset.Parse(r.Created, System.Globalization.CultureInfo.InvariantCulture))).ToList();
    }

    public async Task SetPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(account);
        ArgumentNullException.ThrowIfNull(password);
        ValidatePassword(password);
        var realm = await ResolveDomainAsync(domain, cancellationToken)
            ?? throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {domain}");
        var verifiers = ComputeVerifiers(name, realm, password);
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            if (real != realm) throw new DirectoryException(DirectoryError.NotFound, $"domain {domain} changed while the password was being set; try again");
            await RequireKindAsync(c, tx, real, name, DirectoryObjectKind.Account);
            await c.ExecuteAsync(AccountStoreSql.SetPassword, new { domain = real, name, hash = verifiers.Hash, cram = verifiers.CramMd5, ha1 = verifiers.Ha1 }, tx);
            return 0;
        }, cancellationToken);
        var address = new AccountAddress(name, realm);
        logger.LogInformation("password of {Account} changed", address);
        bus.Publish(new AccountChanged(address, AccountChange.PasswordChanged));
    }

    public async Task<bool> VerifyPasswordAsync(AccountAddress account, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        string? hash = null;
        if (IsValidAddress(account) && password.Length <= PasswordHash.MaxPasswordLength)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var resolved = await ResolveLoginAsync(connection, account, cancellationToken);
            if (resolved is { } a)
                hash = await connection.ExecuteScalarAsync<string?>(Command(AccountStoreSql.GetPasswordHash, new { domain = a.Domain, name = a.Name }, cancellationToken));
        }
        // An unknown account costs the same as a wrong password, so timing does not tell which names exist.
        var matches = PasswordHash.Verify(hash ?? UnknownAccountHash.Value, password);
        return hash is not null && matches;
    }

    public async Task<CredentialVerifier?> GetCredentialVerifierAsync(AccountAddress account, CredentialMechanism mechanism, string? realm = null, CancellationToken cancellationToken = default)
    {
        if (!IsValidAddress(account)) return null;
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await ResolveLoginAsync(connection, account, cancellationToken) is not { } resolved) return null;
        var key = new { domain = resolved.Domain, name = resolved.Name };
        switch (mechanism)
        {
            case CredentialMechanism.CramMd5:
                var enabled = await connection.ExecuteScalarAsync<string?>(Command(AccountStoreSql.EffectiveSetting,
                    new { key = SettingKeys.CramMd5Enabled, scope = (int)SettingScopeKind.Domain, domain = resolved.Domain, account = "" }, cancellationToken));
                if (string.Equals(enabled?.Trim(), "false", StringComparison.OrdinalIgnoreCase)) return null;
                var secret = await connection.ExecuteScalarAsync<byte[]?>(Command(AccountStoreSql.GetCramMd5, key, cancellationToken));
                return secret is { Length: CramMd5Secret.Length } ? new CredentialVerifier(CredentialMechanism.CramMd5, null, secret) : null;
            case CredentialMechanism.DigestHa1:
                // RFC 2617 §3.2.1: HA1 is bound to one realm; Kernel's realm for an account is its domain.
                if (realm is not null && !string.Equals(realm, resolved.Domain, StringComparison.OrdinalIgnoreCase)) return null;
                var ha1 = await connection.ExecuteScalarAsync<byte[]?>(Command(AccountStoreSql.GetDigestHa1, key, cancellationToken));
                return ha1 is { Length: DigestHa1.Length } ? new CredentialVerifier(CredentialMechanism.DigestHa1, resolved.Domain, ha1) : null;
            default:
                return null;
        }
    }

    // ------------------------------------------------------------------ Aliases, forwarders, groups, lists

    public async Task AddAliasAsync(AccountAddress alias, AccountAddress account, CancellationToken cancellationToken = default)
    {
        var (aliasName, aliasDomain) = ValidAddress(alias);
        var (accountName, accountDomain) = ValidAddress(account);
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, aliasDomain);
            if (await RequireDomainAsync(c, tx, accountDomain) != real)
                throw new DirectoryException(DirectoryError.NotAllowed, $"alias {alias} must be in the domain of {account}");
            await RequireKindAsync(c, tx, real, accountName, DirectoryObjectKind.Account);
            await RequireFreeAsync(c, tx, real, aliasName);
            await c.ExecuteAsync(AccountStoreSql.InsertObject, new { domain = real, name = aliasName, kind = (int)DirectoryObjectKind.Alias, target = accountName }, tx);
            return 0;
        }, cancellationToken);
    }

    public Task RemoveAliasAsync(AccountAddress alias, CancellationToken cancellationToken = default) =>
        RemoveObjectAsync(alias, DirectoryObjectKind.Alias, cancellationToken);

    public async Task<IReadOnlyList<AliasInfo>> ListAliasesAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = ValidDomain(domain);
        await using var connection = await database.OpenAsync(cancellationToken);
        var real = await RealDomainAsync(connection, name, cancellationToken)
            ?? throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {name}");
        var rows = await connection.QueryAsync<(string Name, string Target)>(Command(AccountStoreSql.ListAliases, new { domain = real }, cancellationToken));
        return rows.Select(r => new AliasInfo(new AccountAddress(r.Name, real), new AccountAddress(r.Target, real))).ToList();
    }

    public async Task SetForwarderAsync(AccountAddress forwarder, string target, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(forwarder);
        var to = ValidTarget(target, "forwarder target");
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            var existing = await FindAsync(c, tx, real, name);
            if (existing is null)
                await c.ExecuteAsync(AccountStoreSql.InsertObject, new { domain = real, name, kind = (int)DirectoryObjectKind.Forwarder, target = to }, tx);
            else if (existing.Value.Kind == DirectoryObjectKind.Forwarder)
                await c.ExecuteAsync(AccountStoreSql.UpdateObjectTarget, new { domain = real, name, target = to }, tx);
            else
                throw new DirectoryException(DirectoryError.AlreadyExists, $"{name}@{real} already exists as {Describe(existing.Value.Kind)}");
            return 0;
        }, cancellationToken);
    }

    public Task RemoveForwarderAsync(AccountAddress forwarder, CancellationToken cancellationToken = default) =>
        RemoveObjectAsync(forwarder, DirectoryObjectKind.Forwarder, cancellationToken);

    public async Task CreateGroupAsync(AccountAddress group, GroupKind kind, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(group);
        var objectKind = kind switch
        {
            GroupKind.Group => DirectoryObjectKind.Group,
            GroupKind.MailingList => DirectoryObjectKind.MailingList,
            _ => throw new DirectoryException(DirectoryError.InvalidName, $"unknown group kind {kind}"),
        };
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            await RequireFreeAsync(c, tx, real, name);
            await c.ExecuteAsync(AccountStoreSql.InsertObject, new { domain = real, name, kind = (int)objectKind, target = (string?)null }, tx);
            return 0;
        }, cancellationToken);
    }

    public Task RemoveGroupAsync(AccountAddress group, CancellationToken cancellationToken = default) =>
        RemoveObjectAsync(group, DirectoryObjectKind.Group, cancellationToken);

    public async Task SetGroupMembersAsync(AccountAddress group, IReadOnlyList<string> members, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(group);
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count > MaxGroupMembers)
            throw new DirectoryException(DirectoryError.NotAllowed, $"a group holds at most {MaxGroupMembers} members");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var list = new List<string>(members.Count);
        foreach (var member in members)
        {
            var valid = ValidTarget(member, "group member");
            if (seen.Add(valid)) list.Add(valid);
        }
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            await RequireGroupAsync(c, tx, real, name);
            await c.ExecuteAsync(AccountStoreSql.DeleteMembers, new { domain = real, name }, tx);
            await c.ExecuteAsync(AccountStoreSql.InsertMember, list.Select((m, i) => new { domain = real, name, position = i, member = m }), tx);
            return 0;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> GetGroupMembersAsync(AccountAddress group, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(group);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        var real = await RequireDomainAsync(connection, tx, domain);
        await RequireGroupAsync(connection, tx, real, name);
        return (await connection.QueryAsync<string>(Command(AccountStoreSql.ListMembers, new { domain = real, name }, cancellationToken, tx))).ToList();
    }

    public async Task<DirectoryObject?> FindObjectAsync(AccountAddress name, CancellationToken cancellationToken = default)
    {
        if (!IsValidAddress(name)) return null;
        // A lent connection and one prepared statement (domain alias and object together): the hot routing look-up.
        await using var lease = await database.RentAsync(cancellationToken);
        var found = await lease.Connection.QuerySingleOrDefaultPreparedAsync<FoundObjectRow>(AccountStoreSql.FindObjectInRealDomain, new { domain = name.Domain, name = name.Name });
        return found is null ? null : ToObject(found.Domain, name.Name, found.Kind, found.Target);
    }

    public async Task<IReadOnlyList<DirectoryObject>> ListObjectsAsync(string domain, DirectoryObjectKind? kind = null, CancellationToken cancellationToken = default)
    {
        var name = ValidDomain(domain);
        if (kind is { } k && !Enum.IsDefined(k))
            throw new DirectoryException(DirectoryError.InvalidName, $"unknown object kind {k}");
        await using var connection = await database.OpenAsync(cancellationToken);
        var real = await RealDomainAsync(connection, name, cancellationToken)
            ?? throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {name}");
        var rows = await connection.QueryAsync<(string Name, long Kind, string? Target)>(
            Command(AccountStoreSql.ListObjects, new { domain = real, kind = (int?)kind }, cancellationToken));
        return rows.Select(r => ToObject(real, r.Name, r.Kind, r.Target)).ToList();
    }

    /// <summary>One row of <c>directory_objects</c> as the SDK shows it: an alias's target is its full address.</summary>
    private static DirectoryObject ToObject(string domain, string name, long kind, string? target)
    {
        var objectKind = (DirectoryObjectKind)kind;
        var shown = objectKind switch
        {
            DirectoryObjectKind.Alias => $"{target}@{domain}",
            DirectoryObjectKind.Forwarder => target,
            _ => null,
        };
        return new DirectoryObject(objectKind, new AccountAddress(name, domain), shown);
    }

    // ------------------------------------------------------------------ Settings

    public async Task<string?> GetSettingAsync(SettingScope scope, string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        var (kind, domain, account) = await ResolveScopeAsync(connection, tx, scope);
        return await connection.ExecuteScalarAsync<string?>(Command(AccountStoreSql.EffectiveSetting,
            new { key, scope = (int)kind, domain, account }, cancellationToken, tx));
    }

    public async Task<IReadOnlyDictionary<string, string>> GetOwnSettingsAsync(SettingScope scope, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        var (kind, domain, account) = await ResolveScopeAsync(connection, tx, scope);
        var rows = await connection.QueryAsync<(string Key, string Value)>(Command(AccountStoreSql.OwnSettings,
            new { scope = (int)kind, domain, account }, cancellationToken, tx));
        return rows.ToDictionary(r => r.Key, r => r.Value, StringComparer.OrdinalIgnoreCase);
    }

    public async Task SetSettingAsync(SettingScope scope, string key, string? value, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        if (value is { Length: > MaxSettingValueLength })
            throw new DirectoryException(DirectoryError.NotAllowed, $"setting {key} is longer than {MaxSettingValueLength} characters");
        var resolved = await WriteAsync(async (c, tx) =>
        {
            var (kind, domain, account) = await ResolveScopeAsync(c, tx, scope);
            var stored = value;
            if (kind == SettingScopeKind.Server && string.Equals(key, SettingKeys.MainDomain, StringComparison.OrdinalIgnoreCase) && value is not null)
            {
                // The Main Domain must be a real domain; an alias given here names its domain.
                var main = DomainName.IsValid(value) ? await c.ExecuteScalarAsync<string?>(AccountStoreSql.RealDomain, new { name = value.ToLowerInvariant() }, tx) : null;
                stored = main ?? throw new DirectoryException(DirectoryError.NotFound, $"MainDomain: unknown domain {Show(value)}");
            }
            var args = new { scope = (int)kind, domain, account, key, value = stored };
            if (stored is null) await c.ExecuteAsync(AccountStoreSql.DeleteSetting, args, tx);
            else await c.ExecuteAsync(AccountStoreSql.UpsertSetting, args, tx);
            await ChangeSequence.BumpAsync(c, tx, null, cancellationToken);
            return (kind, domain, account);
        }, cancellationToken);
        if (resolved.kind == SettingScopeKind.Account)
            bus.Publish(new AccountChanged(new AccountAddress(resolved.account, resolved.domain), AccountChange.SettingsChanged));
    }

    // ------------------------------------------------------------------ Administrator rights

    public async Task<AdminRights> GetAdminRightsAsync(AccountAddress account, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(account);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        var real = await RequireDomainAsync(connection, tx, domain);
        await RequireKindAsync(connection, tx, real, name, DirectoryObjectKind.Account);
        var (server, domainRights) = await connection.QuerySingleAsync<(long, long)>(Command(AccountStoreSql.GetRights, new { domain = real, name }, cancellationToken, tx));
        return new AdminRights((ServerRights)server, (DomainAdminRights)domainRights);
    }

    public async Task SetAdminRightsAsync(AccountAddress account, AdminRights rights, CancellationToken cancellationToken = default)
    {
        var (name, domain) = ValidAddress(account);
        ArgumentNullException.ThrowIfNull(rights);
        const ServerRights allServer = ServerRights.Master | ServerRights.AllUsers | ServerRights.Settings | ServerRights.Monitor | ServerRights.Directory;
        const DomainAdminRights allDomain = DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes | DomainAdminRights.CanAccessWebSites | DomainAdminRights.CanCreateAccounts;
        if ((rights.Server & ~allServer) != 0 || (rights.Domain & ~allDomain) != 0)
            throw new DirectoryException(DirectoryError.NotAllowed, $"unknown administrator rights {rights.Server}/{rights.Domain}");
        var address = await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            await RequireKindAsync(c, tx, real, name, DirectoryObjectKind.Account);
            // mailboxes.md §10: server rights only for Main-Domain accounts; others can only be Domain Administrators.
            if (rights.Server != ServerRights.None)
            {
                var main = await c.ExecuteScalarAsync<string?>(AccountStoreSql.MainDomain, transaction: tx);
                if (real != main)
                    throw new DirectoryException(DirectoryError.NotAllowed, $"server rights can be granted only to accounts of the Main Domain ({main}), not to {name}@{real}");
            }
            await c.ExecuteAsync(AccountStoreSql.SetRights, new { domain = real, name, server = (long)rights.Server, domainRights = (long)rights.Domain }, tx);
            return new AccountAddress(name, real);
        }, cancellationToken);
        logger.LogInformation("administrator rights of {Account} set to {ServerRights}/{DomainRights}", address, rights.Server, rights.Domain);
        bus.Publish(new AccountChanged(address, AccountChange.RightsChanged));
    }

    // ------------------------------------------------------------------ Internals

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: take the write lock first, so checks and writes see one state and nothing is half-written.
        await using var transaction = connection.BeginTransaction();
        var result = await work(connection, transaction);
        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        return result;
    }

    private async Task RemoveObjectAsync(AccountAddress address, DirectoryObjectKind kind, CancellationToken cancellationToken)
    {
        var (name, domain) = ValidAddress(address);
        await WriteAsync(async (c, tx) =>
        {
            var real = await RequireDomainAsync(c, tx, domain);
            if (kind == DirectoryObjectKind.Group) await RequireGroupAsync(c, tx, real, name);
            else await RequireKindAsync(c, tx, real, name, kind);
            await c.ExecuteAsync(AccountStoreSql.DeleteObject, new { domain = real, name }, tx);
            return 0;
        }, cancellationToken);
    }

    private async Task AfterRemovalAsync(AccountAddress account)
    {
        foreach (var lifecycle in Lifecycles)
        {
            try
            {
                // Not cancellable: the removal has committed, its leftover files go regardless of the caller.
                await lifecycle.OnRemovedAsync(account, CancellationToken.None);
            }
            catch (Exception e)
            {
                // The removal is committed; leftover files are logged for the operator, not a reason to fail.
                logger.LogError(e, "cleaning up after removing {Account} failed in {Lifecycle}", account, lifecycle.GetType().Name);
            }
        }
        bus.Publish(new AccountChanged(account, AccountChange.Removed));
    }

    /// <summary>The Account Template's lists (mailboxes.md §8), read with inheritance (template → domain → server).</summary>
    private static async Task<AccountTemplateLists> ReadTemplateListsAsync(SqliteConnection c, SqliteTransaction tx, string domain)
    {
        Task<string?> Read(string key) => c.ExecuteScalarAsync<string?>(AccountStoreSql.EffectiveSetting,
            new { key, scope = (int)SettingScopeKind.AccountTemplate, domain, account = "" }, tx);
        var mailboxes = SplitList(await Read(SettingKeys.TemplateMailboxes));
        var subscriptions = SplitList(await Read(SettingKeys.TemplateSubscriptions));
        var aliases = new List<KeyValuePair<string, string>>();
        foreach (var pair in SplitList(await Read(SettingKeys.TemplateMailboxAliases)))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || eq == pair.Length - 1)
                throw new DirectoryException(DirectoryError.InvalidName, $"{SettingKeys.TemplateMailboxAliases} of {domain}: '{Show(pair)}' is not alias=target");
            aliases.Add(new(pair[..eq].Trim(), pair[(eq + 1)..].Trim()));
        }
        return mailboxes.Count == 0 && subscriptions.Count == 0 && aliases.Count == 0
            ? AccountTemplateLists.Empty
            : new AccountTemplateLists(mailboxes, subscriptions, aliases);
    }

    private static List<string> SplitList(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    private async Task<(SettingScopeKind Kind, string Domain, string Account)> ResolveScopeAsync(SqliteConnection c, SqliteTransaction tx, SettingScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        switch (scope.Kind)
        {
            case SettingScopeKind.Server:
                return (SettingScopeKind.Server, "", "");
            case SettingScopeKind.Domain:
            case SettingScopeKind.AccountTemplate:
                return (scope.Kind, await RequireDomainAsync(c, tx, ValidDomain(scope.Domain)), "");
            case SettingScopeKind.Account:
                var domain = await RequireDomainAsync(c, tx, ValidDomain(scope.Domain));
                var name = ValidName(scope.Account);
                await RequireKindAsync(c, tx, domain, name, DirectoryObjectKind.Account);
                return (SettingScopeKind.Account, domain, name);
            default:
                throw new DirectoryException(DirectoryError.InvalidName, $"unknown setting scope {scope.Kind}");
        }
    }

    /// <summary>A login name to the account it names: the domain through its aliases, the name through account aliases.</summary>
    private static async Task<AccountAddress?> ResolveLoginAsync(SqliteConnection c, AccountAddress address, CancellationToken cancellationToken)
    {
        var domain = await RealDomainAsync(c, address.Domain, cancellationToken);
        if (domain is null) return null;
        var row = await c.QuerySingleOrDefaultAsync<ObjectRow>(Command(AccountStoreSql.FindObject, new { domain, name = address.Name }, cancellationToken));
        return row switch
        {
            { Kind: (long)DirectoryObjectKind.Account } => new AccountAddress(address.Name, domain),
            { Kind: (long)DirectoryObjectKind.Alias, Target: { } target } => new AccountAddress(target, domain),
            _ => null,
        };
    }

    private static async Task<string?> RealDomainAsync(SqliteConnection c, string name, CancellationToken cancellationToken) =>
        await c.ExecuteScalarAsync<string?>(Command(AccountStoreSql.RealDomain, new { name }, cancellationToken));

    private static async Task<string> RequireDomainAsync(SqliteConnection c, SqliteTransaction tx, string name) =>
        await c.ExecuteScalarAsync<string?>(AccountStoreSql.RealDomain, new { name }, tx)
        ?? throw new DirectoryException(DirectoryError.NotFound, $"unknown domain {name}");

    private static async Task<bool> IsAliasAsync(SqliteConnection c, SqliteTransaction tx, string name) =>
        await c.ExecuteScalarAsync<string?>(AccountStoreSql.RealDomain, new { name }, tx) is not null;

    private static async Task<(DirectoryObjectKind Kind, string? Target)?> FindAsync(SqliteConnection c, SqliteTransaction tx, string domain, string name)
    {
        var row = await c.QuerySingleOrDefaultAsync<ObjectRow>(AccountStoreSql.FindObject, new { domain, name }, tx);
        return row is null ? null : ((DirectoryObjectKind)row.Kind, row.Target);
    }

    private static async Task RequireFreeAsync(SqliteConnection c, SqliteTransaction tx, string domain, string name)
    {
        if (await FindAsync(c, tx, domain, name) is { } existing)
            throw new DirectoryException(DirectoryError.AlreadyExists, $"{name}@{domain} already exists as {Describe(existing.Kind)}");
    }

    private static async Task RequireKindAsync(SqliteConnection c, SqliteTransaction tx, string domain, string name, DirectoryObjectKind kind)
    {
        var existing = await FindAsync(c, tx, domain, name);
        if (existing is null)
            throw new DirectoryException(DirectoryError.NotFound, $"no {Noun(kind)} {name}@{domain}");
        if (existing.Value.Kind != kind)
            throw new DirectoryException(DirectoryError.NotFound, $"{name}@{domain} is {Describe(existing.Value.Kind)}, not {Describe(kind)}");
    }

    private static async Task RequireGroupAsync(SqliteConnection c, SqliteTransaction tx, string domain, string name)
    {
        var existing = await FindAsync(c, tx, domain, name);
        if (existing is null)
            throw new DirectoryException(DirectoryError.NotFound, $"no group or mailing list {name}@{domain}");
        if (existing.Value.Kind is not (DirectoryObjectKind.Group or DirectoryObjectKind.MailingList))
            throw new DirectoryException(DirectoryError.NotFound, $"{name}@{domain} is {Describe(existing.Value.Kind)}, not a group or mailing list");
    }

    private Verifiers ComputeVerifiers(string name, string realm, string password) => new(
        PasswordHash.Create(password, PasswordIterations),
        CramMd5Secret.Compute(password),
        DigestHa1.Compute(name, realm, password));

    private static string ValidDomain(string? domain)
    {
        if (!DomainName.IsValid(domain))
            throw new DirectoryException(DirectoryError.InvalidName, $"invalid domain name '{Show(domain)}'");
        return domain!.ToLowerInvariant();
    }

    private static string ValidName(string? name)
    {
        if (!ObjectName.IsValid(name))
            throw new DirectoryException(DirectoryError.InvalidName,
                $"invalid name '{Show(name)}': letters, digits, '_', '-', '.', not starting or ending with '.', at most {ObjectName.MaxLength} characters");
        return name!.ToLowerInvariant();
    }

    private static (string Name, string Domain) ValidAddress(AccountAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return (ValidName(address.Name), ValidDomain(address.Domain));
    }

    private static bool IsValidAddress(AccountAddress? address) =>
        address is not null && ObjectName.IsValid(address.Name) && DomainName.IsValid(address.Domain);

    /// <summary>A forwarder target or group member: an address, a bare name or a routing form, without spaces or controls.</summary>
    private static string ValidTarget(string? target, string what)
    {
        if (string.IsNullOrEmpty(target) || target.Length > MaxAddressLength || target.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch)) || target.StartsWith('@') || target.EndsWith('@'))
            throw new DirectoryException(DirectoryError.InvalidName, $"invalid {what} '{Show(target)}': an address of at most {MaxAddressLength} characters without spaces");
        return target;
    }

    private static void ValidatePassword(string password)
    {
        if (password.Length == 0)
            throw new DirectoryException(DirectoryError.NotAllowed, "the password is empty");
        if (password.Length > PasswordHash.MaxPasswordLength)
            throw new DirectoryException(DirectoryError.NotAllowed, $"the password is longer than {PasswordHash.MaxPasswordLength} characters");
    }

    private static void ValidateRealName(string realName)
    {
        if (realName.Length > MaxRealNameLength || realName.Any(char.IsControl))
            throw new DirectoryException(DirectoryError.InvalidName, $"invalid real name: at most {MaxRealNameLength} characters, no control characters");
    }

    private static void ValidateKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxSettingKeyLength || key.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch)))
            throw new DirectoryException(DirectoryError.InvalidName, $"invalid setting name '{Show(key)}': 1-{MaxSettingKeyLength} characters without spaces");
    }

    private static string Describe(DirectoryObjectKind kind) => kind switch
    {
        DirectoryObjectKind.Account => "an account",
        DirectoryObjectKind.Alias => "an alias",
        DirectoryObjectKind.Forwarder => "a forwarder",
        DirectoryObjectKind.Group => "a group",
        _ => "a mailing list",
    };

    private static string Noun(DirectoryObjectKind kind) => Describe(kind).Split(' ', 2)[1];

    /// <summary>Bad input quoted in an error stays one short line.</summary>
    private static string Show(string? text)
    {
        if (text is null) return "";
        var shown = new string(text.Take(64).Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return text.Length > 64 ? shown + "…" : shown;
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O");

    private static CommandDefinition Command(string sql, object? parameters, CancellationToken cancellationToken, SqliteTransaction? transaction = null) =>
        new(sql, parameters, transaction, cancellationToken: cancellationToken);

    private sealed record Verifiers(string? Hash, byte[]? CramMd5, byte[]? Ha1)
    {
        public static Verifiers None { get; } = new(null, null, null);
    }

    private sealed record AccountRow(string Name, string Created, string? RealName);

    private sealed record ObjectRow(long Kind, string? Target);

    private sealed record FoundObjectRow(long Kind, string? Target, string Domain);
}
