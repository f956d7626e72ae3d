using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>
/// Every statement of <see cref="SqliteMailboxStore"/>, in one place so another provider (PostgreSQL, a later issue)
/// is a new file, not a rewrite. Tables: Storage/Migrations/003_mailboxes.sql, 007_delivery_keys.sql,
/// 008_mailbox_changes.sql and 012_message_prefix.sql
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
/// <item><c>AUTOINCREMENT</c> on <c>mailbox_changes</c>, <c>INSERT … SELECT … ON CONFLICT</c> (<see cref="UpsertStructure"/>),
/// <c>INSERT OR REPLACE</c> (<see cref="InsertTombstone"/>), <c>LIMIT</c>, <c>lower()</c> and <c>LIKE … ESCAPE</c> (<see cref="SearchMessages"/>).</item>
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

    public const string DeleteMailboxAndAcl =
        "DELETE FROM mailbox_acl WHERE mailbox_id = @id; DELETE FROM mailbox_expunged WHERE mailbox_id = @id; DELETE FROM mailboxes WHERE id = @id";

    /// <summary>RENAME of INBOX: only the one row moves (its children stay where they are).</summary>
    public const string RenameMailbox = "UPDATE mailboxes SET name = @newName WHERE id = @id";

    /// <summary>RENAME of any other mailbox: the row and everything under it.</summary>
    public const string RenameMailboxAndChildren =
        "UPDATE mailboxes SET name = @newName || substr(name, length(@oldName) + 1) " +
        "WHERE account = @account AND (name = @oldName OR substr(name, 1, length(@oldName) + 1) = @oldName || '/')";

    /// <summary>Storage used by an account: the sum of its mailboxes' sizes (NULL when it has none).</summary>
    public const string UsedBytes = "SELECT SUM(size) FROM mailboxes WHERE account = @account";

    /// <summary>
    /// The effective quota setting of an account (@key, @scope, @domain, @account: as <see cref="Kernel.Accounts.AccountStoreSql.EffectiveSetting"/>)
    /// and the bytes held by its mailboxes (@owner: the mailbox rows' account), in one statement.
    /// </summary>
    public const string QuotaAndUsage =
        $"SELECT ({Kernel.Accounts.AccountStoreSql.EffectiveSetting}), (SELECT COALESCE(SUM(size), 0) FROM mailboxes WHERE account = @owner)";

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
        "uid AS Uid, flags AS Flags, keywords AS Keywords, internal_date AS InternalDate, size AS Size, modseq AS Modseq, body_id AS BodyId, prefix AS Prefix";

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
        return sql + UidCondition(uidRanges) + " ORDER BY uid";
    }

    /// <summary>
    /// The batched body read (IMailboxView.OpenMessagesAsync): uid, body id, prefix, the message size, the body's size
    /// (null when its row is gone) and an inline body's bytes (null for a file body, 015) of <c>@mailboxId</c>'s
    /// messages by UID, in one statement instead of three per message. UID ranges as in <see cref="SelectMessages"/>.
    /// </summary>
    public static string SelectMessageBodies(int? uidRanges) =>
        "SELECT m.uid, m.body_id, m.prefix, m.size, b.size, d.data FROM mailbox_messages m LEFT JOIN bodies b ON b.id = m.body_id " +
        "LEFT JOIN body_data d ON d.id = m.body_id WHERE m.mailbox_id = @mailboxId" + UidCondition(uidRanges) + " ORDER BY m.uid";

    /// <summary>What a <see cref="MessageSummary"/> holds (uid, flags, keywords, internal date, size, modseq); otherwise as <see cref="SelectMessages"/>.</summary>
    public static string SelectSummaries(int? uidRanges, long? changedSince) =>
        "SELECT uid, flags, keywords, internal_date, size, modseq FROM mailbox_messages WHERE mailbox_id = @mailboxId" +
        (changedSince is null ? "" : $" AND modseq > {changedSince.Value}") + UidCondition(uidRanges) + " ORDER BY uid";

    /// <summary>
    /// The cached header block of each message of a UID set (013_message_headers.sql): uid, body id, prefix, whether
    /// the cache has a row, its header (NULL: too long), and the message size (less the prefix: the body file's
    /// length, to read it on a miss). One index lookup per message, no join with <c>bodies</c>.
    /// </summary>
    public static string SelectMessageHeaders(int? uidRanges) =>
        "SELECT m.uid, m.body_id, m.prefix, h.body_id IS NOT NULL, h.header, m.size FROM mailbox_messages m " +
        "LEFT JOIN message_headers h ON h.body_id = m.body_id WHERE m.mailbox_id = @mailboxId" + UidCondition(uidRanges) + " ORDER BY m.uid";

    /// <summary>Caches a header block only while its body exists (a body removed meanwhile leaves nothing behind).</summary>
    public const string InsertHeader =
        "INSERT INTO message_headers (body_id, header) SELECT @id, @header WHERE EXISTS (SELECT 1 FROM bodies WHERE id = @id) ON CONFLICT (body_id) DO NOTHING";

    /// <summary>
    /// The cached structure of each message of a UID set (<c>message_structures</c> in the current <c>@format</c>):
    /// uid, body id, prefix, message size (less the prefix: the body file's length, to parse it on a miss), and the
    /// structure JSON (NULL: not cached yet).
    /// </summary>
    public static string SelectMessageStructures(int? uidRanges) =>
        "SELECT m.uid, m.body_id, m.prefix, m.size, s.structure FROM mailbox_messages m " +
        "LEFT JOIN message_structures s ON s.body_id = m.body_id AND s.format = @format WHERE m.mailbox_id = @mailboxId" + UidCondition(uidRanges) + " ORDER BY m.uid";

    /// <summary><c> AND (uid BETWEEN @f0 AND @l0 OR …)</c> for <paramref name="uidRanges"/> ranges; none → false; null → no condition.</summary>
    public static string UidCondition(int? uidRanges)
    {
        if (uidRanges is not { } count) return "";
        var clauses = new List<string>(count);
        for (var i = 0; i < count; i++) clauses.Add($"uid BETWEEN @f{i} AND @l{i}");
        return clauses.Count == 0 ? " AND 0" : " AND (" + string.Join(" OR ", clauses) + ")";
    }

    /// <summary>
    /// SEARCH in the store (<see cref="MessageQuery"/>): UIDs ascending of <c>@mailboxId</c>. UID ranges as in
    /// <see cref="SelectMessages"/>; flags <c>@flagsSet</c>/<c>@flagsNotSet</c>; keyword <c>i</c> as <c>@kw{i}</c> and
    /// <c>@nkw{i}</c>, each a LIKE pattern over the space-padded lower-case keyword list (see <see cref="KeywordPattern"/>);
    /// <c>@since</c>, <c>@before</c> (Unix ms), <c>@larger</c>, <c>@smaller</c>, <c>@modseq</c>. Only the shape comes from the caller, never user text.
    /// </summary>
    public static string SearchMessages(int? uidRanges, bool flagsSet, bool flagsNotSet, int keywords, int notKeywords,
        bool since, bool before, bool larger, bool smaller, bool modseq)
    {
        var sql = new System.Text.StringBuilder("SELECT uid FROM mailbox_messages WHERE mailbox_id = @mailboxId");
        if (flagsSet) sql.Append(" AND (flags & @flagsSet) = @flagsSet");
        if (flagsNotSet) sql.Append(" AND (flags & @flagsNotSet) = 0");
        for (var i = 0; i < keywords; i++) sql.Append($" AND (' ' || lower(keywords) || ' ') LIKE @kw{i} ESCAPE '\\'");
        for (var i = 0; i < notKeywords; i++) sql.Append($" AND (' ' || lower(keywords) || ' ') NOT LIKE @nkw{i} ESCAPE '\\'");
        if (since) sql.Append(" AND internal_date >= @since");
        if (before) sql.Append(" AND internal_date < @before");
        if (larger) sql.Append(" AND size > @larger");
        if (smaller) sql.Append(" AND size < @smaller");
        if (modseq) sql.Append(" AND modseq >= @modseq");
        return sql.Append(UidCondition(uidRanges)).Append(" ORDER BY uid").ToString();
    }

    /// <summary>The LIKE pattern matching one whole keyword (keywords are case-insensitive atoms, stored space separated).</summary>
    public static string KeywordPattern(string keyword)
    {
        var escaped = keyword.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
        return "% " + escaped + " %";
    }

    public const string InsertMessage =
        "INSERT INTO mailbox_messages (mailbox_id, uid, flags, keywords, internal_date, size, modseq, body_id, prefix) " +
        "VALUES (@id, @uid, @flags, @keywords, @internalDate, @size, @modseq, @bodyId, @prefix)";

    public const string UpdateMessageFlags =
        "UPDATE mailbox_messages SET flags = @flags, keywords = @keywords, modseq = @modseq WHERE mailbox_id = @id AND uid = @uid";

    public const string DeleteMessage = "DELETE FROM mailbox_messages WHERE mailbox_id = @id AND uid = @uid";

    public const string SelectBodyIdsOfMailbox = "SELECT body_id FROM mailbox_messages WHERE mailbox_id = @mailboxId";

    public const string DeleteMessagesOfMailbox = "DELETE FROM mailbox_messages WHERE mailbox_id = @mailboxId";

    /// <summary>SELECT/STATUS: a mailbox's snapshot (<see cref="MailboxSnapshot"/>) in one pass over its messages.</summary>
    public const string SelectSnapshot = "SELECT uid, flags, keywords FROM mailbox_messages WHERE mailbox_id = @mailboxId ORDER BY uid";

    // --- Expunge tombstones (RFC 7162 QRESYNC) ---

    public const string InsertTombstone = "INSERT OR REPLACE INTO mailbox_expunged (mailbox_id, uid, modseq) VALUES (@id, @uid, @modseq)";

    public const string DeleteTombstones = "DELETE FROM mailbox_expunged WHERE mailbox_id = @id";

    /// <summary>UIDs of <c>@mailboxId</c> expunged with a modseq above <c>@since</c>, ascending; UID ranges as in <see cref="SelectMessages"/>.</summary>
    public static string SelectVanished(int? uidRanges) =>
        "SELECT uid FROM mailbox_expunged WHERE mailbox_id = @mailboxId AND modseq > @since" + UidCondition(uidRanges) + " ORDER BY uid";

    // --- Change log (other processes' changes reach a running server) ---

    public const string InsertChange =
        "INSERT INTO mailbox_changes (origin, kind, account, mailbox_id, name, old_name, highest_modseq, uid_next, messages, created) " +
        "VALUES (@Origin, @Kind, @Account, @MailboxId, @Name, @OldName, @HighestModseq, @UidNext, @Messages, @Created)";

    public const string SelectLastChange = "SELECT COALESCE(MAX(seq), 0) FROM mailbox_changes";

    // Column aliases match MailboxChangeRow's properties.
    public const string SelectChangesAfter =
        "SELECT seq AS Seq, origin AS Origin, kind AS Kind, account AS Account, mailbox_id AS MailboxId, name AS Name, old_name AS OldName, " +
        "highest_modseq AS HighestModseq, uid_next AS UidNext, messages AS Messages, created AS Created " +
        "FROM mailbox_changes WHERE seq > @after ORDER BY seq LIMIT @limit";

    public const string DeleteOldChanges = "DELETE FROM mailbox_changes WHERE created < @cutoff";

    // --- Cached message structures (one per stored body) ---

    /// <summary>Stores a structure only while its body exists (a body removed meanwhile leaves nothing behind).</summary>
    public const string UpsertStructure =
        "INSERT INTO message_structures (body_id, format, structure) SELECT @id, @format, @structure WHERE EXISTS (SELECT 1 FROM bodies WHERE id = @id) " +
        "ON CONFLICT (body_id) DO UPDATE SET format = excluded.format, structure = excluded.structure";

    // --- Subscriptions ---

    /// <summary>Saving a whole list: the old entries go, the new ones are inserted in order, in one transaction.</summary>
    public const string DeleteSubscriptionsOfAccount = "DELETE FROM mailbox_subscriptions WHERE account = @account";

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
        "DELETE FROM mailbox_expunged WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account = @account); " +
        "DELETE FROM mailboxes WHERE account = @account; " +
        "DELETE FROM mailbox_subscriptions WHERE account = @account; " +
        "DELETE FROM mailbox_aliases WHERE account = @account;";
}
