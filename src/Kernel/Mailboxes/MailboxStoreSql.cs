using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>
/// Every statement of <see cref="SqliteMailboxStore"/>, in one place so another provider (PostgreSQL, a later issue)
/// is a new file, not a rewrite. Tables: Storage/Migrations/003_mailboxes.sql and 007_delivery_keys.sql
/// (<c>bodies</c>, 001, is read here only for a body's size; its reference counts belong to <see cref="Storage.BodyStore"/>).
/// SQLite-specific, to be replaced in another provider:
/// <list type="bullet">
/// <item>Writes run under BEGIN IMMEDIATE (<c>BeginTransaction(deferred: false)</c> in <c>SqliteMailboxStore.WriteAsync</c>),
/// so the write lock is taken up front.</item>
/// <item><c>ON CONFLICT … DO UPDATE</c> (<see cref="UpsertUidValidityCounter"/>), <c>RETURNING</c>
/// (<see cref="InsertMailbox"/>) and <c>INSERT OR IGNORE</c> (<see cref="InsertSubscriptionIfAbsent"/>).</item>
/// <item>Several statements in one command, separated by ';' (<see cref="ReplaceAclWithParents"/>,
/// <see cref="DeleteMailboxAndAcl"/>, <see cref="DeleteAccountRows"/>).</item>
/// <item><c>substr</c>/<c>length</c>/<c>||</c> for name prefixes, <c>AND 0</c> as "false".</item>
/// </list>
/// </summary>
internal static class MailboxStoreSql
{
    // --- Mailboxes (rows, counters, hierarchy) ---

    // Column aliases match MailboxRow's properties (Dapper maps by name).
    private const string MailboxColumns =
        "id AS Id, account AS Account, name AS Name, selectable AS Selectable, special_use AS SpecialUse, uid_validity AS UidValidity, " +
        "uid_next AS UidNext, highest_modseq AS HighestModseq, messages AS Messages, size AS Size";

    public const string SelectMailboxByName = $"SELECT {MailboxColumns} FROM mailboxes WHERE account = @account AND name = @name";

    public const string SelectMailboxById = $"SELECT {MailboxColumns} FROM mailboxes WHERE id = @id";

    public const string SelectMailboxesOfAccount = $"SELECT {MailboxColumns} FROM mailboxes WHERE account = @account ORDER BY name";

    /// <summary>Whether any mailbox lies under <c>@prefix</c> (the name plus the separator).</summary>
    public const string HasChildren =
        "SELECT EXISTS (SELECT 1 FROM mailboxes WHERE account = @account AND substr(name, 1, length(@prefix)) = @prefix)";

    public const string InsertMailbox =
        "INSERT INTO mailboxes (account, name, selectable, special_use, uid_validity) VALUES (@account, @name, @selectable, @specialUse, @uidValidity) RETURNING id";

    public const string UpdateMailboxCounters =
        "UPDATE mailboxes SET uid_next = @UidNext, highest_modseq = @HighestModseq, messages = @Messages, size = @Size WHERE id = @Id";

    /// <summary>A directory-only name gains its store facet (CREATE), with a fresh UIDVALIDITY.</summary>
    public const string AddStoreFacet =
        "UPDATE mailboxes SET selectable = 1, special_use = @specialUse, uid_validity = @uidValidity, uid_next = 1 WHERE id = @id";

    /// <summary>DELETE of a mailbox with children: only the store facet goes (its messages are removed separately).</summary>
    public const string RemoveStoreFacet = "UPDATE mailboxes SET selectable = 0, messages = 0, size = 0 WHERE id = @id";

    public const string DeleteMailboxAndAcl = "DELETE FROM mailbox_acl WHERE mailbox_id = @id; DELETE FROM mailboxes WHERE id = @id";

    /// <summary>RENAME of INBOX: only the one row moves (its children stay where they are).</summary>
    public const string RenameMailbox = "UPDATE mailboxes SET name = @newName WHERE id = @id";

    /// <summary>RENAME of any other mailbox: the row and everything under it.</summary>
    public const string RenameMailboxAndChildren =
        "UPDATE mailboxes SET name = @newName || substr(name, length(@oldName) + 1) " +
        "WHERE account = @account AND (name = @oldName OR substr(name, 1, length(@oldName) + 1) = @oldName || '/')";

    /// <summary>Storage used by an account: the sum of its mailboxes' sizes (NULL when it has none).</summary>
    public const string UsedBytes = "SELECT SUM(size) FROM mailboxes WHERE account = @account";

    // --- UIDVALIDITY counter (server-wide, never reused) ---

    public const string SelectUidValidityCounter = "SELECT value FROM mailbox_counters WHERE name = 'uid_validity'";

    public const string UpsertUidValidityCounter =
        "INSERT INTO mailbox_counters (name, value) VALUES ('uid_validity', @next) ON CONFLICT (name) DO UPDATE SET value = @next";

    // --- ACLs (entries listed in the order first created, so ORDER BY id) ---

    public const string SelectAcl = "SELECT identifier, rights FROM mailbox_acl WHERE mailbox_id = @mailboxId ORDER BY id";

    public const string SelectAclsOfAccount =
        "SELECT a.mailbox_id, a.identifier, a.rights FROM mailbox_acl a JOIN mailboxes m ON m.id = a.mailbox_id WHERE m.account = @account ORDER BY a.id";

    public const string SelectAclRights = "SELECT rights FROM mailbox_acl WHERE mailbox_id = @id AND identifier = @stored";

    public const string InsertAclEntry = "INSERT INTO mailbox_acl (mailbox_id, identifier, rights) VALUES (@id, @stored, @rights)";

    public const string UpdateAclRights = "UPDATE mailbox_acl SET rights = @rights WHERE mailbox_id = @id AND identifier = @stored";

    public const string DeleteAclEntry = "DELETE FROM mailbox_acl WHERE mailbox_id = @id AND identifier = @stored";

    /// <summary>A new sub-mailbox <c>@id</c> starts with a copy of its parent's ACL.</summary>
    public const string CopyParentAcl =
        "INSERT INTO mailbox_acl (mailbox_id, identifier, rights) SELECT @id, a.identifier, a.rights FROM mailbox_acl a " +
        "JOIN mailboxes m ON m.id = a.mailbox_id WHERE m.account = @account AND m.name = @parent ORDER BY a.id";

    /// <summary>"Apply to sub-Mailboxes": the ACL of <c>@child</c> becomes a copy of that of <c>@id</c>.</summary>
    public const string ReplaceAclWithParents =
        "DELETE FROM mailbox_acl WHERE mailbox_id = @child; " +
        "INSERT INTO mailbox_acl (mailbox_id, identifier, rights) SELECT @child, identifier, rights FROM mailbox_acl WHERE mailbox_id = @id ORDER BY id";

    // --- Messages ---

    // Column aliases match MessageRow's properties (Dapper maps by name).
    private const string MessageColumns =
        "uid AS Uid, flags AS Flags, keywords AS Keywords, internal_date AS InternalDate, size AS Size, modseq AS Modseq, body_id AS BodyId";

    /// <summary>
    /// The messages of <c>@mailboxId</c> by UID, optionally only those changed after <paramref name="changedSince"/>
    /// (CONDSTORE) or only those flagged \Deleted (EXPUNGE). With <paramref name="uidRanges"/> the statement also
    /// filters by UID, range <c>i</c> bound as <c>@f{i}</c>..<c>@l{i}</c> (none at all selects nothing); null leaves
    /// the UID filter to the caller. Both optional conditions are numbers from code, never user text.
    /// </summary>
    public static string SelectMessages(int? uidRanges, long? changedSince = null, bool deletedOnly = false)
    {
        var sql = $"SELECT {MessageColumns} FROM mailbox_messages WHERE mailbox_id = @mailboxId";
        if (changedSince is not null) sql += $" AND modseq > {changedSince.Value}";
        if (deletedOnly) sql += $" AND (flags & {(int)MessageFlags.Deleted}) <> 0";
        if (uidRanges is { } count)
        {
            var clauses = new List<string>(count);
            for (var i = 0; i < count; i++) clauses.Add($"uid BETWEEN @f{i} AND @l{i}");
            sql += clauses.Count == 0 ? " AND 0" : " AND (" + string.Join(" OR ", clauses) + ")";
        }
        return sql + " ORDER BY uid";
    }

    public const string InsertMessage =
        "INSERT INTO mailbox_messages (mailbox_id, uid, flags, keywords, internal_date, size, modseq, body_id) VALUES (@id, @uid, @flags, @keywords, @internalDate, @size, @modseq, @bodyId)";

    public const string UpdateMessageFlags =
        "UPDATE mailbox_messages SET flags = @flags, keywords = @keywords, modseq = @modseq WHERE mailbox_id = @id AND uid = @uid";

    public const string DeleteMessage = "DELETE FROM mailbox_messages WHERE mailbox_id = @id AND uid = @uid";

    public const string SelectBodyIdsOfMailbox = "SELECT body_id FROM mailbox_messages WHERE mailbox_id = @mailboxId";

    public const string DeleteMessagesOfMailbox = "DELETE FROM mailbox_messages WHERE mailbox_id = @mailboxId";

    /// <summary>STATUS: how many messages lack the flag <c>@seen</c>, and the lowest such UID.</summary>
    public const string CountUnseen = "SELECT COUNT(*), MIN(uid) FROM mailbox_messages WHERE mailbox_id = @id AND (flags & @seen) = 0";

    /// <summary>STATUS: the distinct keyword lists in use (space separated; the caller splits them).</summary>
    public const string SelectKeywordLists = "SELECT DISTINCT keywords FROM mailbox_messages WHERE mailbox_id = @id AND keywords <> ''";

    public const string SelectBodySize = "SELECT size FROM bodies WHERE id = @id";

    // --- Subscriptions ---

    public const string ListSubscriptions = "SELECT name FROM mailbox_subscriptions WHERE account = @account ORDER BY id";

    public const string CountSubscriptionsNamed = "SELECT COUNT(*) FROM mailbox_subscriptions WHERE account = @account AND name = @name";

    public const string CountSubscriptions = "SELECT COUNT(*) FROM mailbox_subscriptions WHERE account = @account";

    public const string InsertSubscription = "INSERT INTO mailbox_subscriptions (account, name) VALUES (@account, @name)";

    /// <summary>Account template: a name listed twice is stored once.</summary>
    public const string InsertSubscriptionIfAbsent = "INSERT OR IGNORE INTO mailbox_subscriptions (account, name) VALUES (@account, @name)";

    public const string DeleteSubscription = "DELETE FROM mailbox_subscriptions WHERE account = @account AND name = @name";

    // --- Mailbox aliases ---

    public const string SelectAliases = "SELECT alias, target FROM mailbox_aliases WHERE account = @account ORDER BY id";

    public const string InsertAlias = "INSERT INTO mailbox_aliases (account, alias, target) VALUES (@account, @name, @target)";

    public const string UpdateAliasTarget = "UPDATE mailbox_aliases SET target = @target WHERE account = @account AND alias = @name";

    public const string DeleteAlias = "DELETE FROM mailbox_aliases WHERE account = @account AND alias = @name";

    // --- Delivery keys (exactly-once local delivery) ---

    /// <summary>Dapper expands <c>IN @keys</c> into one parameter per key; callers pass at most a chunk at a time.</summary>
    public const string SelectDeliveryKeys = "SELECT key, uid_validity, uid FROM delivery_keys WHERE key IN @keys";

    public const string InsertDeliveryKey =
        "INSERT INTO delivery_keys (key, mailbox_id, uid_validity, uid, created) VALUES (@key, @mailboxId, @uidValidity, @uid, @now)";

    public const string DeleteExpiredDeliveryKeys = "DELETE FROM delivery_keys WHERE created < @cutoff";

    // --- Account removal ---

    public const string SelectBodyIdsOfAccount =
        "SELECT body_id FROM mailbox_messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account = @account)";

    /// <summary>Every row of the account: messages, ACLs, mailboxes, subscriptions, aliases (bodies are released first).</summary>
    public const string DeleteAccountRows =
        "DELETE FROM mailbox_messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account = @account); " +
        "DELETE FROM mailbox_acl WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account = @account); " +
        "DELETE FROM mailboxes WHERE account = @account; " +
        "DELETE FROM mailbox_subscriptions WHERE account = @account; " +
        "DELETE FROM mailbox_aliases WHERE account = @account;";
}
