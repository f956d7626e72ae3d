using Dapper;
using Kernel.Abstractions;

namespace Kernel.Mailboxes;

// Subscriptions (mailboxes.md §6), mailbox aliases (§7) and quota, all per account.
public sealed partial class SqliteMailboxStore
{
    /// <summary>§6 [Decision]: at most 1,000 subscription entries per account.</summary>
    public const int MaxSubscriptions = 1000;

    /// <summary>§7 [Decision]: at most 100 mailbox aliases per account.</summary>
    public const int MaxMailboxAliases = 100;

    public async Task<IReadOnlyList<string>> ListSubscriptionsAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(MailboxStoreSql.ListSubscriptions, new { account = account.ToString() }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task SubscribeAsync(Principal principal, AccountAddress account, string mailbox, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        var name = SubscriptionName(mailbox);
        if (ForeignMailboxName.IsForeign(name))
        {
            // §5.4: a foreign name must be visible to the account whose list it is (RFC 4314: 'l' covers SUBSCRIBE).
            var access = await AccessAsync(Principal.User(account), name, cancellationToken);
            if (!access.Visible) throw MailboxException.NonExistent();
        }
        // RFC 3501 §6.3.6: an own name is accepted even when it does not exist (yet).
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var parameters = new { account = account.ToString(), name };
            if (await connection.ExecuteScalarAsync<long>(MailboxStoreSql.CountSubscriptionsNamed, parameters, transaction) > 0) return;
            if (await connection.ExecuteScalarAsync<long>(MailboxStoreSql.CountSubscriptions, parameters, transaction) >= MaxSubscriptions)
                throw Cannot($"At most {MaxSubscriptions} subscriptions");
            await connection.ExecuteAsync(MailboxStoreSql.InsertSubscription, parameters, transaction);
            effects.SubscriptionsChanged(account);
        }, cancellationToken);
    }

    public async Task ReplaceSubscriptionsAsync(Principal principal, AccountAddress account, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        // §6: all or nothing — every entry is checked as SUBSCRIBE checks it before anything is written.
        var names = new List<string>(mailboxes.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            var owner = Principal.User(account);
            var cache = new LookupCache();
            foreach (var mailbox in mailboxes)
            {
                var name = SubscriptionName(mailbox);
                if (!seen.Add(name)) continue; // §6: an exact duplicate is stored once
                if (ForeignMailboxName.IsForeign(name) && !(await AccessAsync(connection, owner, name, cancellationToken, cache)).Visible)
                    throw MailboxException.NonExistent();
                names.Add(name);
            }
        }
        if (names.Count > MaxSubscriptions) throw Cannot($"At most {MaxSubscriptions} subscriptions");
        await WriteAsync(async (connection, transaction, effects) =>
        {
            await connection.ExecuteAsync(MailboxStoreSql.DeleteSubscriptionsOfAccount, new { account = account.ToString() }, transaction);
            foreach (var name in names) await connection.ExecuteAsync(MailboxStoreSql.InsertSubscription, new { account = account.ToString(), name }, transaction);
            effects.SubscriptionsChanged(account);
        }, cancellationToken);
    }

    public async Task UnsubscribeAsync(Principal principal, AccountAddress account, string mailbox, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        var name = SubscriptionName(mailbox);
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var removed = await connection.ExecuteAsync(MailboxStoreSql.DeleteSubscription, new { account = account.ToString(), name }, transaction);
            if (removed == 0) throw MailboxException.NonExistent();
            effects.SubscriptionsChanged(account);
        }, cancellationToken);
    }

    /// <summary>§6: case preserved, INBOX normalised; an own name must be syntactically valid, a foreign one needs <c>~acct/…</c>.</summary>
    private static string SubscriptionName(string mailbox)
    {
        var name = MailboxName.Canonical(mailbox);
        if (ForeignMailboxName.IsForeign(name))
        {
            if (!ForeignMailboxName.TryParse(name, out var foreign) || !MailboxName.IsValidOwn(foreign!.Rest)) throw MailboxException.NonExistent();
            return name;
        }
        if (!MailboxName.IsValidOwn(name)) throw Cannot("Invalid mailbox name");
        return name;
    }

    public async Task<IReadOnlyList<MailboxAlias>> ListMailboxAliasesAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await LoadAliasesAsync(connection, null, account);
    }

    public async Task SetMailboxAliasAsync(Principal principal, AccountAddress account, string alias, string target, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        var name = CheckAliasName(alias);
        var targetName = CheckAliasTarget(target);
        if (targetName == name) throw Cannot("An alias cannot name itself");
        await WriteAsync(async (connection, transaction, _) => await SaveAliasAsync(connection, transaction, account, name, targetName), cancellationToken);
    }

    public async Task RemoveMailboxAliasAsync(Principal principal, AccountAddress account, string alias, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        var name = MailboxName.Canonical(alias);
        await WriteAsync(async (connection, transaction, _) =>
        {
            var removed = await connection.ExecuteAsync(MailboxStoreSql.DeleteAlias, new { account = account.ToString(), name }, transaction);
            if (removed == 0) throw MailboxException.NonExistent();
        }, cancellationToken);
    }

    /// <summary>§7: own-name syntax, no '~', not INBOX.</summary>
    private static string CheckAliasName(string alias)
    {
        var name = MailboxName.Canonical(alias);
        if (!MailboxName.IsValidOwn(name)) throw Cannot("Invalid alias name");
        if (MailboxName.IsSameOrUnder(name, MailboxName.Inbox)) throw Cannot("INBOX cannot be an alias");
        return name;
    }

    private static string CheckAliasTarget(string target)
    {
        var name = MailboxName.Canonical(target);
        if (ForeignMailboxName.IsForeign(name))
        {
            if (!ForeignMailboxName.TryParse(name, out var foreign) || !MailboxName.IsValidOwn(MailboxName.Canonical(foreign!.Rest))) throw Cannot("Invalid alias target");
            return name;
        }
        if (!MailboxName.IsValidOwn(name)) throw Cannot("Invalid alias target");
        return name;
    }

    /// <summary>
    /// Adds or retargets an alias. §7: an alias cannot equal or lie under an own mailbox; aliases do not nest either,
    /// so a name maps through at most one alias.
    /// </summary>
    private static async Task SaveAliasAsync(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, AccountAddress account, string name, string target)
    {
        foreach (var taken in MailboxName.Ancestors(name).Prepend(name))
        {
            if (await LoadRowAsync(connection, transaction, account, taken) is not null)
                throw new MailboxException(MailboxError.AlreadyExists, "A mailbox has that name");
        }
        var aliases = await LoadAliasesAsync(connection, transaction, account);
        if (aliases.Exists(a => a.Alias != name && (MailboxName.IsUnder(name, a.Alias) || MailboxName.IsUnder(a.Alias, name))))
            throw new MailboxException(MailboxError.AlreadyExists, "Another mailbox alias contains that name");
        var exists = aliases.Exists(a => a.Alias == name);
        if (!exists && aliases.Count >= MaxMailboxAliases) throw Cannot($"At most {MaxMailboxAliases} mailbox aliases");
        await connection.ExecuteAsync(
            exists ? MailboxStoreSql.UpdateAliasTarget : MailboxStoreSql.InsertAlias,
            new { account = account.ToString(), name, target }, transaction);
    }

    public async Task<QuotaUsage> GetQuotaAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken = default)
    {
        await RequireAccountAccessAsync(principal, account, cancellationToken);
        var limit = await QuotaLimitAsync(account, cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        var used = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(MailboxStoreSql.UsedBytes, new { account = account.ToString() }, cancellationToken: cancellationToken)) ?? 0;
        return new QuotaUsage(used, limit);
    }

    public async Task SetQuotaAsync(Principal principal, AccountAddress account, long? limitBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limitBytes ?? 0, nameof(limitBytes));
        if (await _accounts.GetAccountAsync(account, cancellationToken) is null) throw MailboxException.NonExistent();
        // One rights function: an administrator row (server AllUsers/Master, or a domain administrator with
        // CanAccessMailboxes) may; the owner's own "all rights" are not administrator rights.
        if (principal.Kind != PrincipalKind.System)
        {
            var rights = await _rights.EvaluateAsync(principal, account, null, cancellationToken);
            if (!rights.AsAdministrator) throw NoPerm();
        }
        await _accounts.SetSettingAsync(SettingScope.ForAccount(account), SettingKeys.MailboxQuotaBytes,
            limitBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }
}
