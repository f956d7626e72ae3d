using Dapper;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Kernel.Mailboxes;

/// <summary>
/// The embedded mailbox store (mailboxes.md): mailboxes with store/directory facets, messages with UIDs, flags and
/// modification sequences, ACLs, subscriptions and mailbox aliases in SQLite; message bodies in the single-instance
/// <see cref="BodyStore"/> (a COPY or a delivery to many mailboxes adds references, never copies bytes).
/// Every call goes through <see cref="MailboxRightsEvaluator"/>, the one effective-rights function (§4.3).
/// Writes take the database write lock up front (BEGIN IMMEDIATE) and, within this process, run one after another in
/// group commits (SqliteMailboxStore.GroupCommit.cs), so UIDs are strictly increasing and no flag update is lost;
/// events are published and files deleted after the commit.
/// Each change is also written to the change log (<c>mailbox_changes</c>) in the same transaction, tagged with
/// <see cref="Origin"/>, so a server's <see cref="MailboxChangeWatcher"/> publishes what another process (the CLI) did.
/// </summary>
public sealed partial class SqliteMailboxStore : IMailboxStore, IAccountLifecycle, ILocalDelivery
{
    private readonly SqliteDatabase _database;
    private readonly BodyStore _bodies;
    private readonly IAccountStore _accounts;
    private readonly IAddressRouter _router;
    private readonly IMessageBus _bus;
    private readonly ILogger<SqliteMailboxStore> _logger;
    private readonly MailboxRightsEvaluator _rights;

    /// <summary>How long change-log rows are kept: far longer than a watcher's poll, short enough to keep the table small.</summary>
    public static readonly TimeSpan ChangeRetention = TimeSpan.FromHours(1);

    private static readonly TimeSpan ChangePruneInterval = TimeSpan.FromMinutes(5);

    private long _nextChangePrune;

    /// <summary>This store instance's tag on the change-log rows it writes (one store per process), so its own watcher skips them.</summary>
    internal string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The origin of rows written inside another store's transaction (account creation and removal): every watcher publishes them, the writer's own included, because no after-commit hook exists there.</summary>
    internal const string SharedOrigin = "";

    public SqliteMailboxStore(SqliteDatabase database, BodyStore bodies, IAccountStore accounts, IAddressRouter router, IMessageBus bus, ILogger<SqliteMailboxStore> logger)
    {
        _database = database;
        _bodies = bodies;
        _accounts = accounts;
        _router = router;
        _bus = bus;
        _logger = logger;
        _rights = new MailboxRightsEvaluator(accounts);
    }

    // ---------------------------------------------------------------- name resolution (§3, §7)

    /// <summary>
    /// Resolves a typed name: a foreign name through the Router (Access, only a Local result counts), an own name
    /// relative to the principal, a mailbox alias one hop to its target. Null means "no such mailbox".
    /// </summary>
    private async Task<MailboxTarget?> ResolveAsync(SqliteConnection connection, Principal principal, string typed, bool followAlias, CancellationToken cancellationToken, LookupCache? cache = null,
        SqliteTransaction? transaction = null)
    {
        if (string.IsNullOrEmpty(typed)) return null;
        if (ForeignMailboxName.IsForeign(typed))
        {
            if (!ForeignMailboxName.TryParse(typed, out var foreign)) return null;
            var accountPart = foreign!.AccountPart;
            AccountAddress? owner;
            if (cache is null) owner = await ResolveAccountAsync(principal, foreign, cancellationToken);
            else if (!cache.Accounts.TryGetValue(accountPart, out owner)) cache.Accounts[accountPart] = owner = await ResolveAccountAsync(principal, foreign, cancellationToken);
            if (owner is null) return null;
            var rest = MailboxName.Canonical(foreign.Rest);
            return new MailboxTarget(owner, rest, typed, IsOwnName: false, IsAliasName: false);
        }
        if (principal.Kind == PrincipalKind.System) return null; // the System has no own mailboxes
        var self = principal.Account!;
        var name = MailboxName.Canonical(typed);
        var alias = await FindAliasAsync(connection, self, name, cache, transaction);
        if (alias is null) return new MailboxTarget(self, name, typed, IsOwnName: true, IsAliasName: false);
        if (!followAlias) return null; // §7: a target that is itself an alias is not followed and behaves as absent
        // §7: sub-names map through (mkt-announce/2024 → ~marketing/announce/2024).
        var mapped = alias.Target + name[alias.Alias.Length..];
        var target = await ResolveAsync(connection, principal, mapped, followAlias: false, cancellationToken, cache, transaction);
        return target is null ? null : target with { Display = typed, IsOwnName = false, IsAliasName = name.Length == alias.Alias.Length };
    }

    /// <summary>§3: <c>acct</c> in the principal's domain (for the System the Main Domain), or <c>acct@dom</c>, as an Access address.</summary>
    private async Task<AccountAddress?> ResolveAccountAsync(Principal principal, ForeignMailboxName foreign, CancellationToken cancellationToken)
    {
        var domain = foreign.Domain ?? principal.Account?.Domain ?? await _accounts.GetMainDomainAsync(cancellationToken);
        if (foreign.Owner(domain) is not { } address || !DomainName.IsValid(address.Domain)) return null;
        var name = address.Name;
        domain = address.Domain;
        var source = new RequestSource
        {
            Class = SourceClass.Trusted, AuthenticatedAccount = principal.Account, Internal = principal.Kind == PrincipalKind.System, Protocol = "mailbox",
        };
        var decision = await _router.RouteAsync(new RouteRequest($"{name}@{domain}".ToLowerInvariant(), RouteKind.Access, source), cancellationToken);
        return decision.Result is RouteResult.Local local ? local.Account : null;
    }

    private static async Task<MailboxAlias?> FindAliasAsync(SqliteConnection connection, AccountAddress account, string name, LookupCache? cache = null, SqliteTransaction? transaction = null)
    {
        List<MailboxAlias> aliases;
        if (cache is null) aliases = await LoadAliasesAsync(connection, transaction, account);
        else if (!cache.Aliases.TryGetValue(account, out aliases!)) cache.Aliases[account] = aliases = await LoadAliasesAsync(connection, null, account);
        MailboxAlias? best = null;
        foreach (var alias in aliases)
        {
            if (MailboxName.IsSameOrUnder(name, alias.Alias) && (best is null || alias.Alias.Length > best.Alias.Length)) best = alias;
        }
        return best;
    }

    // ---------------------------------------------------------------- access (§4.3, §5.4)

    /// <summary>A resolved name, its row (null when absent) and the principal's effective rights on it.</summary>
    private sealed record Access(MailboxTarget? Target, MailboxRow? Row, EffectiveRights Rights)
    {
        public bool Exists => Row is not null;

        public bool Visible => Row is not null && Rights.Visible;
    }

    /// <summary>
    /// Lookups one call repeats for many names (the rights of a list of names, a whole subscription list): accounts,
    /// aliases, mailbox rows and ACLs are read once per owner and call, administrator rights and group members once
    /// per account. Never kept beyond the call, so a change is seen by the next one.
    /// </summary>
    private sealed class LookupCache
    {
        public Dictionary<string, AccountAddress?> Accounts { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<AccountAddress, List<MailboxAlias>> Aliases { get; } = [];

        public Dictionary<AccountAddress, Dictionary<string, MailboxRow>> Rows { get; } = [];

        public Dictionary<AccountAddress, Dictionary<long, List<AclEntry>>> Acls { get; } = [];

        public RightsLookups Rights { get; } = new();
    }

    // With a transaction the check runs inside a write (the APPEND commit, on the batch's connection) and sees its state.
    private async Task<Access> AccessAsync(SqliteConnection connection, Principal principal, string mailbox, CancellationToken cancellationToken, LookupCache? cache = null,
        SqliteTransaction? transaction = null)
    {
        var target = await ResolveAsync(connection, principal, mailbox, followAlias: true, cancellationToken, cache, transaction);
        if (target is null) return new Access(null, null, default);
        MailboxRow? row;
        IReadOnlyList<AclEntry> acl;
        if (cache is null)
        {
            row = await LoadRowAsync(connection, transaction, target.Owner, target.Name);
            if (row is null) return new Access(target, null, default);
            // An own mailbox (every APPEND, STATUS, SELECT of one's own) needs no ACL read: one statement fewer per check.
            acl = MailboxRightsEvaluator.HoldsAllRights(principal, target.Owner) ? [] : await LoadAclAsync(connection, transaction, row.Id);
        }
        else
        {
            if (!cache.Rows.TryGetValue(target.Owner, out var rows))
                cache.Rows[target.Owner] = rows = (await LoadRowsAsync(connection, null, target.Owner)).ToDictionary(r => r.Name, StringComparer.Ordinal);
            if (!rows.TryGetValue(target.Name, out row)) return new Access(target, null, default);
            if (!cache.Acls.TryGetValue(target.Owner, out var acls)) cache.Acls[target.Owner] = acls = await LoadAccountAclsAsync(connection, target.Owner);
            acl = acls.GetValueOrDefault(row.Id) ?? [];
        }
        var rights = await _rights.EvaluateAsync(principal, target.Owner, acl, cancellationToken, cache?.Rights);
        if (rights.AsAdministrator) LogAdministratorAccess(principal, target.Owner, target.Name);
        return new Access(target, row, rights);
    }

    private async Task<Access> AccessAsync(Principal principal, string mailbox, CancellationToken cancellationToken)
    {
        // A lent connection: the name, alias and row look-ups of every APPEND/SELECT/STATUS stay prepared on it.
        await using var lease = await _database.RentAsync(cancellationToken);
        return await AccessAsync(lease.Connection, principal, mailbox, cancellationToken);
    }

    // §5.6 [Decision]: each administrator access to another account's mailbox is logged at level Major, which maps to
    // Warning here so it survives a log filter that keeps only problems.
    private void LogAdministratorAccess(Principal principal, AccountAddress owner, string mailbox) =>
        _logger.LogWarning("administrator {Admin} accessed mailbox {Mailbox} of {Account}", principal.Account, mailbox, owner);

    /// <summary>§5.4: absent and invisible give the same error; visible without the right gives NOPERM.</summary>
    private static void Require(Access access, MailboxRights right)
    {
        if (!access.Exists) throw MailboxException.NonExistent();
        Require(access.Rights, right);
    }

    /// <summary>The same rule for a mailbox known to exist (an open view): invisible → NONEXISTENT, visible without the right → NOPERM.</summary>
    private static void Require(EffectiveRights rights, MailboxRights right)
    {
        if (!rights.Visible) throw MailboxException.NonExistent();
        if (!rights.Has(right)) throw NoPerm();
    }

    private static void RequireSelectable(Access access)
    {
        if (!access.Row!.IsSelectable) throw new MailboxException(MailboxError.Cannot, "Mailbox is not selectable");
    }

    /// <summary>§5.4 APPEND/COPY target: needs <c>i</c>, which works even when the mailbox is otherwise invisible (drop box).</summary>
    private static void RequireInsert(Access access)
    {
        if (access.Row is null || !access.Row.IsSelectable)
        {
            if (access.Target is { IsOwnName: true }) throw new MailboxException(MailboxError.TryCreate, "Mailbox does not exist");
            throw MailboxException.NonExistent();
        }
        if (!access.Rights.Has(MailboxRights.Insert)) throw access.Rights.Visible ? NoPerm() : MailboxException.NonExistent();
    }

    private async Task RequireAccountAccessAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken)
    {
        var rights = await _rights.EvaluateAsync(principal, account, null, cancellationToken);
        if (rights.Rights != MailboxRights.All) throw NoPerm();
        if (rights.AsAdministrator) LogAdministratorAccess(principal, account, "*");
    }

    private static MailboxException NoPerm() => new(MailboxError.NoPerm, "Permission denied");

    /// <summary>§5.3: \Seen needs <c>s</c>, \Deleted needs <c>d</c> (t), the other flags and keywords need <c>w</c>.</summary>
    private static MessageFlags ChangeableFlags(MailboxRights rights)
    {
        var flags = MessageFlags.None;
        if (rights.HasFlag(MailboxRights.Seen)) flags |= MessageFlags.Seen;
        if (rights.HasFlag(MailboxRights.Delete)) flags |= MessageFlags.Deleted;
        if (rights.HasFlag(MailboxRights.Write)) flags |= MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Draft;
        return flags;
    }

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// What a write does after its commit: body files to delete, events to publish in order (one per mailbox and kind,
    /// with the last state). The events are also written to the change log before the commit.
    /// </summary>
    internal sealed class Effects
    {
        private readonly Dictionary<(long, MailboxChangeKind), int> _index = [];

        public List<string> Files { get; } = [];

        public List<KernelEvent> Events { get; } = [];

        public void Changed(AccountAddress owner, MailboxRow row, MailboxChangeKind kind, string? oldName = null)
        {
            var changed = new MailboxChanged
            {
                MailboxId = row.Id, Owner = owner, Mailbox = row.Name, Kind = kind, OldName = oldName,
                HighestModSeq = (ulong)row.HighestModseq, UidNext = (uint)row.UidNext, Messages = (int)row.Messages,
            };
            // A rename is kept per step (each has its own old name); other kinds keep only the last state.
            if (kind != MailboxChangeKind.Renamed && _index.TryGetValue((row.Id, kind), out var i))
            {
                Events[i] = changed;
                return;
            }
            _index[(row.Id, kind)] = Events.Count;
            Events.Add(changed);
        }

        public void SubscriptionsChanged(AccountAddress account)
        {
            if (!Events.Exists(e => e is SubscriptionsChanged s && s.Account == account)) Events.Add(new SubscriptionsChanged { Account = account });
        }
    }

    /// <summary>The last change-log sequence (a watcher starts after it).</summary>
    internal async Task<long> LastChangeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(MailboxStoreSql.SelectLastChange, cancellationToken: cancellationToken));
    }

    /// <summary>Change-log rows after <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    internal async Task<IReadOnlyList<MailboxChangeRow>> ChangesAfterAsync(long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<MailboxChangeRow>(
            new CommandDefinition(MailboxStoreSql.SelectChangesAfter, new { after, limit }, cancellationToken: cancellationToken))).AsList();
    }

    // ---------------------------------------------------------------- row access (the statements themselves: MailboxStoreSql)

    private static async Task<MailboxRow?> LoadRowAsync(SqliteConnection connection, SqliteTransaction? transaction, AccountAddress owner, string name) =>
        await connection.QuerySingleOrDefaultPreparedAsync<MailboxRow>(MailboxStoreSql.SelectMailboxByName,
            new { account = owner.ToString(), name }, transaction);

    /// <summary>The row again inside a write transaction; gone or renamed meanwhile → no such mailbox.</summary>
    private static async Task<MailboxRow> ReloadAsync(SqliteConnection connection, SqliteTransaction transaction, MailboxRow row)
    {
        var now = await connection.QuerySingleOrDefaultPreparedAsync<MailboxRow>(MailboxStoreSql.SelectMailboxById, new { id = row.Id }, transaction);
        if (now is null || now.Name != row.Name || now.Account != row.Account) throw MailboxException.NonExistent();
        return now;
    }

    /// <summary>The row of an open view inside a write transaction: found by id (a rename keeps the view working); gone → no such mailbox.</summary>
    private static async Task<MailboxRow> ReloadByIdAsync(SqliteConnection connection, SqliteTransaction? transaction, long id, AccountAddress owner, long uidValidity)
    {
        var now = await connection.QuerySingleOrDefaultPreparedAsync<MailboxRow>(MailboxStoreSql.SelectMailboxById, new { id }, transaction);
        if (now is null || !now.IsSelectable || now.UidValidity != uidValidity || now.Account != owner.ToString()) throw MailboxException.NonExistent();
        return now;
    }

    private static async Task<List<MailboxRow>> LoadRowsAsync(SqliteConnection connection, SqliteTransaction? transaction, AccountAddress owner) =>
        (await connection.QueryAsync<MailboxRow>(MailboxStoreSql.SelectMailboxesOfAccount, new { account = owner.ToString() }, transaction)).AsList();

    private static async Task<List<AclEntry>> LoadAclAsync(SqliteConnection connection, SqliteTransaction? transaction, long mailboxId) =>
        (await connection.QueryPreparedAsync<(string Identifier, long Rights)>(MailboxStoreSql.SelectAcl,
            new { mailboxId }, transaction)).Select(e => new AclEntry(e.Identifier, (MailboxRights)e.Rights)).ToList();

    private static async Task<Dictionary<long, List<AclEntry>>> LoadAccountAclsAsync(SqliteConnection connection, AccountAddress owner)
    {
        var result = new Dictionary<long, List<AclEntry>>();
        var rows = await connection.QueryAsync<(long MailboxId, string Identifier, long Rights)>(MailboxStoreSql.SelectAclsOfAccount, new { account = owner.ToString() });
        foreach (var (mailboxId, identifier, rights) in rows)
        {
            if (!result.TryGetValue(mailboxId, out var list)) result[mailboxId] = list = [];
            list.Add(new AclEntry(identifier, (MailboxRights)rights));
        }
        return result;
    }

    private static async Task<List<MailboxAlias>> LoadAliasesAsync(SqliteConnection connection, SqliteTransaction? transaction, AccountAddress account) =>
        (await connection.QueryPreparedAsync<(string Alias, string Target)>(MailboxStoreSql.SelectAliases,
            new { account = account.ToString() }, transaction)).Select(a => new MailboxAlias(a.Alias, a.Target)).ToList();

    private static async Task<bool> HasChildrenAsync(SqliteConnection connection, SqliteTransaction? transaction, AccountAddress owner, string name) =>
        await connection.ExecuteScalarAsync<long>(MailboxStoreSql.HasChildren,
            new { account = owner.ToString(), prefix = name + MailboxName.Separator }, transaction) != 0;

    /// <summary>UIDVALIDITY (RFC 3501 §2.3.1.1): from a server-wide counter, never reused even when a name is created again.</summary>
    private static async Task<long> NextUidValidityAsync(SqliteConnection connection, SqliteTransaction transaction)
    {
        var last = await connection.ExecuteScalarAsync<long?>(MailboxStoreSql.SelectUidValidityCounter, transaction: transaction) ?? 0;
        var next = Math.Max(last + 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (next > uint.MaxValue) next = 1;
        await connection.ExecuteAsync(MailboxStoreSql.UpsertUidValidityCounter, new { next }, transaction);
        return next;
    }

    /// <summary>Inserts one row; a sub-mailbox starts with a copy of its parent's ACL (§4.4).</summary>
    private static async Task<long> InsertMailboxAsync(SqliteConnection connection, SqliteTransaction transaction, AccountAddress owner, string name, bool selectable, SpecialUse specialUse)
    {
        var id = await connection.ExecuteScalarAsync<long>(MailboxStoreSql.InsertMailbox,
            new { account = owner.ToString(), name, selectable = selectable ? 1 : 0, specialUse = (int)specialUse, uidValidity = await NextUidValidityAsync(connection, transaction) },
            transaction);
        var parent = MailboxName.Parent(name);
        if (parent is not null)
        {
            await connection.ExecuteAsync(MailboxStoreSql.CopyParentAcl, new { id, account = owner.ToString(), parent }, transaction);
        }
        return id;
    }

    /// <summary>§2.1: creating <c>X/Y</c> creates the directory facet of <c>X</c> when <c>X</c> does not exist.</summary>
    private static async Task EnsureAncestorsAsync(SqliteConnection connection, SqliteTransaction transaction, AccountAddress owner, string name, Effects? effects = null)
    {
        foreach (var ancestor in MailboxName.Ancestors(name))
        {
            if (await LoadRowAsync(connection, transaction, owner, ancestor) is not null) continue;
            await InsertMailboxAsync(connection, transaction, owner, ancestor, selectable: false, SpecialUse.None);
            effects?.Changed(owner, (await LoadRowAsync(connection, transaction, owner, ancestor))!, MailboxChangeKind.Created);
        }
    }

    private static async Task SaveCountersAsync(SqliteConnection connection, SqliteTransaction transaction, MailboxRow row) =>
        await connection.ExecutePreparedAsync(MailboxStoreSql.UpdateMailboxCounters, row, transaction);

    /// <summary>Releases one body reference per id; files whose last reference went are deleted after commit.</summary>
    private static async Task ReleaseBodiesAsync(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<string> bodyIds, Effects effects)
    {
        foreach (var id in bodyIds)
        {
            if (await BodyStore.ReleaseReferenceAsync(connection, transaction, id)) effects.Files.Add(id);
        }
    }

    /// <summary>Removes every message of a mailbox (DELETE, account removal).</summary>
    private static async Task RemoveAllMessagesAsync(SqliteConnection connection, SqliteTransaction transaction, long mailboxId, Effects effects)
    {
        var bodyIds = (await connection.QueryAsync<string>(MailboxStoreSql.SelectBodyIdsOfMailbox, new { mailboxId }, transaction)).AsList();
        await ReleaseBodiesAsync(connection, transaction, bodyIds, effects);
        await connection.ExecuteAsync(MailboxStoreSql.DeleteMessagesOfMailbox, new { mailboxId }, transaction);
    }

    /// <summary>The messages of a mailbox in <paramref name="uids"/>, optionally only those changed after a modseq or flagged \Deleted.</summary>
    private static async Task<List<MessageRow>> LoadMessagesAsync(SqliteConnection connection, SqliteTransaction? transaction, long mailboxId, UidSet uids,
        long? changedSince = null, bool deletedOnly = false)
    {
        var parameters = new DynamicParameters();
        parameters.Add("mailboxId", mailboxId);
        var ranges = UidRanges(parameters, uids);
        var sql = MailboxStoreSql.SelectMessages(ranges, changedSince, deletedOnly);
        var rows = (await connection.QueryAsync<MessageRow>(sql, parameters, transaction)).AsList();
        if (ranges is null) rows.RemoveAll(m => !uids.Contains((uint)m.Uid));
        return rows;
    }

    private static async Task<long> UsedBytesAsync(SqliteConnection connection, SqliteTransaction transaction, AccountAddress owner) =>
        await connection.ExecuteScalarPreparedAsync<long?>(MailboxStoreSql.UsedBytes, new { account = owner.ToString() }, transaction) ?? 0;

    /// <summary>
    /// Inside a write transaction: the owner's mailbox quota (null = unlimited) and the bytes their mailboxes hold, in
    /// one statement on the batch's connection — no settings transaction of its own (an APPEND's quota check, issue 11).
    /// The setting is resolved as the account store does (account, template, domain, server; AccountStoreSql).
    /// </summary>
    private static async Task<(long? Limit, long Used)> QuotaAndUsageAsync(SqliteConnection connection, SqliteTransaction transaction, AccountAddress owner)
    {
        var (text, used) = await connection.QuerySinglePreparedAsync<(string?, long)>(MailboxStoreSql.QuotaAndUsage,
            new { key = SettingKeys.MailboxQuotaBytes, scope = (int)SettingScopeKind.Account, domain = owner.Domain, account = owner.Name, owner = owner.ToString() },
            transaction);
        return (ParseQuota(text), used);
    }

    private static long? ParseQuota(string? text) => long.TryParse(text, out var limit) && limit >= 0 ? limit : null;

    /// <summary>The owner's mailbox quota (§5.3: storage in a foreign mailbox counts against its owner); null = unlimited.</summary>
    private async Task<long?> QuotaLimitAsync(AccountAddress owner, CancellationToken cancellationToken)
    {
        string? text;
        try
        {
            text = await _accounts.GetSettingAsync(SettingScope.ForAccount(owner), SettingKeys.MailboxQuotaBytes, cancellationToken);
        }
        catch (DirectoryException e) when (e.Error == DirectoryError.NotFound)
        {
            // The account (or its domain) was removed meanwhile: it has no rows left either, so the caller answers
            // "no such mailbox" for it — and a delivery batch is not failed for everyone else because of it.
            return null;
        }
        return ParseQuota(text);
    }

    private static MailboxException OverQuota() => new(MailboxError.OverQuota, "Mailbox quota exceeded");
}
