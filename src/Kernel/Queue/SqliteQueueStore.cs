using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Queue;

/// <summary>
/// Every SQL statement of the queue (tables of 004_queue.sql), so a PostgreSQL provider is a second file like this
/// one. Writers use BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default) so a read-then-write never fails on a stale snapshot.
/// Every call is async Dapper, like the account and mailbox stores, except <see cref="Insert"/>: the group-commit writer
/// (<see cref="SqliteMessageQueue"/>) runs one transaction per batch on its own loop with prepared commands reused for
/// every row of the batch, which is where the queue's submit rate comes from.
/// </summary>
internal sealed class SqliteQueueStore(SqliteDatabase database, BodyStore bodies)
{
    private const string MessageColumns =
        "seq AS Seq, id AS Id, sender AS Sender, envelope_id AS EnvelopeId, ret AS Ret, source AS Source, body_id AS BodyId, " +
        "body_size AS BodySize, created AS Created, actions AS Actions, routed AS Routed";

    private const string RecipientColumns =
        "message_id AS MessageId, idx AS Idx, address AS Address, orcpt AS Orcpt, notify AS Notify, state AS State, queue AS Queue, " +
        "target AS Target, attempts AS Attempts, next_attempt AS NextAttempt, last_error AS LastError, status AS Status, remote_mta AS RemoteMta, dsn AS Dsn, delay_sent AS DelaySent, failing_since AS FailingSince, plugin_failures AS PluginFailures";

    /// <summary>The mark of a parked recipient (<see cref="Delivery.Parking.Prefix"/>) as a LIKE pattern.</summary>
    private const string ParkedPattern = Delivery.Parking.Prefix + "%";

    private const int Pending0 = (int)RecipientState.New, Pending1 = (int)RecipientState.Waiting, Pending2 = (int)RecipientState.Held;

    public BodyStore Bodies => bodies;

    /// <summary>
    /// Why a message's body file cannot be read (missing, wrong length), naming the file; null when it is whole. An
    /// inline body is in the database with the row that references it: it cannot go missing apart from it.
    /// </summary>
    public string? BodyProblem(MessageRow message)
    {
        var body = bodies.Open(message.BodyId, message.BodySize);
        if (body.FilePath is null) return null;
        var file = new FileInfo(body.FilePath);
        if (!file.Exists) return $"message body file {body.FilePath} is missing";
        return file.Length == message.BodySize ? null : $"message body file {body.FilePath} is truncated ({file.Length} of {message.BodySize} bytes)";
    }

    /// <summary>Inserts a batch of messages in one transaction: one WAL fsync for all of them (group commit), in this process's write turn.</summary>
    public async Task InsertAsync(IReadOnlyList<NewMessage> messages)
    {
        using (await database.EnterWriteAsync()) Insert(messages);
    }

    private void Insert(IReadOnlyList<NewMessage> messages)
    {
        // A lent connection: these four statements stay prepared on it from one batch to the next (PreparedCommands).
        using var lease = database.Rent();
        var c = lease.Connection;
        using var tx = c.BeginTransaction();
        var insertMessage = c.Prepared(
            "INSERT INTO queue_messages (id, sender, envelope_id, ret, source, body_id, body_size, created, actions, routed) " +
            "VALUES ($id, $sender, $envid, $ret, $source, $body, $size, $created, $actions, 0)", tx);
        var mId = insertMessage.Parameters.Add("$id", SqliteType.Text);
        var mSender = insertMessage.Parameters.Add("$sender", SqliteType.Text);
        var mEnvid = insertMessage.Parameters.Add("$envid", SqliteType.Text);
        var mRet = insertMessage.Parameters.Add("$ret", SqliteType.Integer);
        var mSource = insertMessage.Parameters.Add("$source", SqliteType.Text);
        var mBody = insertMessage.Parameters.Add("$body", SqliteType.Text);
        var mSize = insertMessage.Parameters.Add("$size", SqliteType.Integer);
        var mCreated = insertMessage.Parameters.Add("$created", SqliteType.Integer);
        var mActions = insertMessage.Parameters.Add("$actions", SqliteType.Text);
        var insertRecipient = c.Prepared(
            "INSERT INTO queue_recipients (message_id, idx, address, orcpt, notify, state, last_error) VALUES ($m, $idx, $address, $orcpt, $notify, $state, $error)", tx);
        var rMessage = insertRecipient.Parameters.Add("$m", SqliteType.Text);
        var rIdx = insertRecipient.Parameters.Add("$idx", SqliteType.Integer);
        var rAddress = insertRecipient.Parameters.Add("$address", SqliteType.Text);
        var rOrcpt = insertRecipient.Parameters.Add("$orcpt", SqliteType.Text);
        var rNotify = insertRecipient.Parameters.Add("$notify", SqliteType.Integer);
        var rState = insertRecipient.Parameters.Add("$state", SqliteType.Integer);
        var rError = insertRecipient.Parameters.Add("$error", SqliteType.Text);
        var addRef = c.Prepared(BodyStore.AddReferenceSql, tx);
        var bId = addRef.Parameters.Add("@id", SqliteType.Text);
        var bSize = addRef.Parameters.Add("@size", SqliteType.Integer);
        addRef.Parameters.Add("@count", SqliteType.Integer).Value = 1;
        var addData = c.Prepared(BodyStore.InsertDataSql, tx);
        var dId = addData.Parameters.Add("@id", SqliteType.Text);
        var dData = addData.Parameters.Add("@data", SqliteType.Blob);
        // OR IGNORE: a repeated key must never fail the group commit of the other messages in the batch; the caller checks first.
        var addKey = c.Prepared("INSERT OR IGNORE INTO generated_keys (key, message_id, created) VALUES ($key, $m, $created)", tx);
        var kKey = addKey.Parameters.Add("$key", SqliteType.Text);
        var kMessage = addKey.Parameters.Add("$m", SqliteType.Text);
        var kCreated = addKey.Parameters.Add("$created", SqliteType.Integer);
        foreach (var m in messages)
        {
            if (m.GeneratedKey is not null)
            {
                // In the message's own transaction: the copy and its key exist together or not at all (010_generated_keys.sql).
                (kKey.Value, kMessage.Value, kCreated.Value) = (m.GeneratedKey, m.Id, m.Created);
                addKey.ExecuteNonQuery();
            }
            (mId.Value, mSender.Value, mEnvid.Value, mRet.Value) = (m.Id, m.Sender, (object?)m.EnvelopeId ?? DBNull.Value, m.Ret);
            (mSource.Value, mBody.Value, mSize.Value, mCreated.Value, mActions.Value) = (m.Source, m.Body.Id, m.Body.Length, m.Created, (object?)m.Actions ?? DBNull.Value);
            insertMessage.ExecuteNonQuery();
            for (var i = 0; i < m.Recipients.Count; i++)
            {
                var r = m.Recipients[i];
                (rMessage.Value, rIdx.Value, rAddress.Value, rOrcpt.Value, rNotify.Value) = (m.Id, i, r.Address, (object?)r.OriginalRecipient ?? DBNull.Value, (int)r.Notify);
                rState.Value = m.Discarded ? (int)RecipientState.Delivered : (int)RecipientState.New;
                rError.Value = m.Discarded ? "discarded by a server-wide rule" : DBNull.Value;
                insertRecipient.ExecuteNonQuery();
            }
            (bId.Value, bSize.Value) = (m.Body.Id, m.Body.Length);
            addRef.ExecuteNonQuery();
            if (m.Body.Data is { } data)
            {
                // An inline body just written: its bytes commit with this batch, the one fsync for body and rows (BodyStore).
                (dId.Value, dData.Value) = (m.Body.Id, data);
                addData.ExecuteNonQuery();
            }
        }
        tx.Commit();
    }

    /// <summary>Whether a rule-made message with this key was already queued (010_generated_keys.sql).</summary>
    public async Task<bool> HasGeneratedKeyAsync(string key)
    {
        await using var c = await database.OpenAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM generated_keys WHERE key = @key", new { key }) > 0;
    }

    /// <summary>The keys of the copies an original made are only needed while the original may be routed again.</summary>
    private static Task ForgetGeneratedKeysAsync(SqliteConnection c, SqliteTransaction tx, string originalId) =>
        // Keys start with "{originalId}/": a range on the primary key ('0' is the character after '/').
        c.ExecutePreparedAsync("DELETE FROM generated_keys WHERE key >= @from AND key < @to", new { from = originalId + "/", to = originalId + "0" }, tx);

    /// <summary>Claims up to <paramref name="limit"/> messages not yet routed whose lease is free or expired.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> ClaimUnroutedAsync(string owner, long now, long leaseUntil, int limit)
    {
        // A lent connection: the statements below stay prepared on it between batches (PreparedCommands).
        await using var lease = await database.RentAsync();
        var c = lease.Connection;
        using var turn = await database.EnterWriteAsync();
        using var tx = c.BeginTransaction();
        var messages = (await c.QueryAsync<MessageRow>(
            $"UPDATE queue_messages SET lease_owner = @owner, lease_until = @leaseUntil WHERE seq IN " +
            "(SELECT seq FROM queue_messages WHERE routed = 0 AND (lease_until IS NULL OR lease_until <= @now) ORDER BY seq LIMIT @limit) " +
            $"RETURNING {MessageColumns}", new { owner, leaseUntil, now, limit }, tx)).OrderBy(m => m.Seq).ToList();
        var result = await LoadRecipientsAsync(c, tx, messages, "state = 0");
        await tx.CommitAsync();
        return result;
    }

    private static async Task<List<QueuedMessage>> LoadRecipientsAsync(SqliteConnection c, SqliteTransaction? tx, List<MessageRow> messages, string filter)
    {
        if (messages.Count == 0) return [];
        var ids = messages.Select(m => m.Id).ToList();
        var recipients = (await c.QueryAsync<RecipientRow>($"SELECT {RecipientColumns} FROM queue_recipients WHERE message_id IN @ids AND {filter} ORDER BY idx", new { ids }, tx))
            .ToLookup(r => r.MessageId);
        return messages.Select(m => new QueuedMessage(m, recipients[m.Id].ToList())).ToList();
    }

    /// <summary>
    /// Records routing results for messages this owner still leases: recipient updates, and for each message either
    /// "routed" or a retry time for recipients left New. Messages with nothing pending are removed. Returns the ids of
    /// messages whose lease had been lost (their updates were not applied) and the body files to delete.
    /// </summary>
    public async Task<(IReadOnlySet<string> Lost, IReadOnlyList<string> DeadBodies)> CompleteRoutingAsync(
        string owner, IReadOnlyList<RecipientUpdate> updates, IReadOnlyDictionary<string, long?> retryAt)
    {
        // A lent connection: the statements below stay prepared on it between batches (PreparedCommands).
        await using var lease = await database.RentAsync();
        var c = lease.Connection;
        using var turn = await database.EnterWriteAsync();
        using var tx = c.BeginTransaction();
        var ids = retryAt.Keys.ToList();
        var owned = (await c.QueryAsync<string>("SELECT id FROM queue_messages WHERE id IN @ids AND lease_owner = @owner AND routed = 0", new { ids, owner }, tx))
            .ToHashSet(StringComparer.Ordinal);
        var lost = ids.Where(id => !owned.Contains(id)).ToHashSet(StringComparer.Ordinal);
        await ApplyUpdatesAsync(c, tx, updates.Where(u => owned.Contains(u.MessageId)));
        foreach (var id in owned)
        {
            var retry = retryAt[id];
            await c.ExecutePreparedAsync(retry is null
                ? "UPDATE queue_messages SET routed = 1, lease_owner = NULL, lease_until = NULL, actions = NULL WHERE id = @id"
                : "UPDATE queue_messages SET lease_owner = NULL, lease_until = @retry, actions = NULL WHERE id = @id", new { id, retry }, tx);
        }
        var dead = await RemoveFinishedAsync(c, tx, owned);
        await tx.CommitAsync();
        DeleteBodies(dead);
        return (lost, dead);
    }

    /// <summary>Everyone holding a lease now: routing leases on messages and leases on target queues.</summary>
    public async Task<IReadOnlyList<string>> LeaseHoldersAsync()
    {
        await using var c = await database.OpenAsync();
        return (await c.QueryAsync<string>("SELECT lease_owner FROM queue_messages WHERE lease_owner IS NOT NULL UNION SELECT holder FROM queue_leases")).AsList();
    }

    /// <summary>
    /// Ends every lease of a holder known to be gone (a crashed worker): its messages are due for routing at once and
    /// its target queues can be leased again. Returns how many messages and queues it held.
    /// </summary>
    public async Task<(int Messages, int Queues)> ReleaseLeasesOfAsync(string holder)
    {
        await using var c = await database.OpenAsync();
        using var tx = c.BeginTransaction();
        var messages = await c.ExecuteAsync("UPDATE queue_messages SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = @holder AND routed = 0", new { holder }, tx);
        var queues = await c.ExecuteAsync("DELETE FROM queue_leases WHERE holder = @holder", new { holder }, tx);
        await tx.CommitAsync();
        return (messages, queues);
    }

    /// <summary>Applies recipient updates; returns how many existing rows changed or were added (0: the message is gone).</summary>
    private static async Task<int> ApplyUpdatesAsync(SqliteConnection c, SqliteTransaction tx, IEnumerable<RecipientUpdate> updates)
    {
        var changed = 0;
        foreach (var u in updates)
        {
            if (u.Idx is { } idx)
            {
                changed += await c.ExecutePreparedAsync("UPDATE queue_recipients SET state = @State, queue = @Queue, target = @Target, attempts = @Attempts, next_attempt = @NextAttempt, " +
                          "last_error = @LastError, status = @Status, remote_mta = @RemoteMta, dsn = @Dsn, delay_sent = @DelaySent, failing_since = @FailingSince, " +
                          "plugin_failures = @PluginFailures WHERE message_id = @MessageId AND idx = @idx",
                    new { State = (int)u.State, u.Queue, u.Target, u.Attempts, u.NextAttempt, u.LastError, u.Status, u.RemoteMta, Dsn = (int)u.Dsn, u.DelaySent, u.FailingSince,
                        u.PluginFailures, u.MessageId, idx }, tx);
            }
            else
            {
                changed += await c.ExecuteAsync("INSERT INTO queue_recipients (message_id, idx, address, orcpt, notify, state, queue, target, attempts, next_attempt, last_error, status, remote_mta, dsn) " +
                          "VALUES (@MessageId, (SELECT COALESCE(MAX(idx), -1) + 1 FROM queue_recipients WHERE message_id = @MessageId), @Address, @Orcpt, @Notify, " +
                          "@State, @Queue, @Target, @Attempts, @NextAttempt, @LastError, @Status, @RemoteMta, @Dsn)",
                    new { u.MessageId, u.Address, u.Orcpt, u.Notify, State = (int)u.State, u.Queue, u.Target, u.Attempts, u.NextAttempt, u.LastError, u.Status, u.RemoteMta, Dsn = (int)u.Dsn }, tx);
            }
        }
        return changed;
    }

    /// <summary>Deletes the messages among <paramref name="ids"/> that are routed and have no pending recipient; returns bodies whose last reference went.</summary>
    private static async Task<List<string>> RemoveFinishedAsync(SqliteConnection c, SqliteTransaction tx, IEnumerable<string> ids)
    {
        var list = ids.ToList();
        if (list.Count == 0) return [];
        var finished = (await c.QueryAsync<(string Id, string BodyId)>(
            $"SELECT id, body_id FROM queue_messages m WHERE id IN @list AND routed = 1 AND NOT EXISTS " +
            $"(SELECT 1 FROM queue_recipients r WHERE r.message_id = m.id AND (r.state IN ({Pending0}, {Pending1}, {Pending2}) OR r.dsn > 0))", new { list }, tx)).ToList();
        var dead = new List<string>();
        foreach (var (id, bodyId) in finished)
        {
            await c.ExecutePreparedAsync("DELETE FROM queue_messages WHERE id = @id", new { id }, tx);
            await ForgetGeneratedKeysAsync(c, tx, id);
            if (await BodyStore.ReleaseReferenceAsync(c, tx, bodyId)) dead.Add(bodyId);
        }
        return dead;
    }

    private void DeleteBodies(IEnumerable<string> dead)
    {
        foreach (var id in dead) bodies.DeleteFile(id);
    }

    /// <summary>Queues with a waiting recipient due now and no live lease, with one of their targets (for the transport name).</summary>
    public async Task<IReadOnlyList<(string Queue, string Target)>> DueQueuesAsync(long now, int limit)
    {
        await using var c = await database.OpenAsync();
        return (await c.QueryAsync<(string, string)>(
            $"SELECT r.queue, MIN(r.target) FROM queue_recipients r WHERE r.state = {Pending1} AND r.next_attempt <= @now " +
            "AND NOT EXISTS (SELECT 1 FROM queue_leases l WHERE l.queue = r.queue AND l.expires > @now) GROUP BY r.queue LIMIT @limit",
            new { now, limit })).ToList();
    }

    /// <summary>The earliest time something becomes due (a retry, a postponed routing), or null.</summary>
    public async Task<long?> NextWakeUpAsync()
    {
        await using var c = await database.OpenAsync();
        return await c.ExecuteScalarAsync<long?>(
            $"SELECT MIN(t) FROM (SELECT MIN(next_attempt) AS t FROM queue_recipients WHERE state = {Pending1} " +
            "UNION ALL SELECT MIN(lease_until) FROM queue_messages WHERE routed = 0)");
    }

    public async Task<bool> TryLeaseAsync(string queue, string holder, string token, long now, long expires)
    {
        await using var c = await database.OpenAsync();
        return await c.ExecuteAsync(
            "INSERT INTO queue_leases (queue, holder, token, expires) VALUES (@queue, @holder, @token, @expires) " +
            "ON CONFLICT(queue) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires = excluded.expires WHERE queue_leases.expires <= @now",
            new { queue, holder, token, expires, now }) == 1;
    }

    public async Task<bool> RenewLeaseAsync(string queue, string token, long expires)
    {
        await using var c = await database.OpenAsync();
        return await c.ExecuteAsync("UPDATE queue_leases SET expires = @expires WHERE queue = @queue AND token = @token", new { queue, token, expires }) == 1;
    }

    public async Task EndLeaseAsync(string queue, string token)
    {
        await using var c = await database.OpenAsync();
        await c.ExecuteAsync("DELETE FROM queue_leases WHERE queue = @queue AND token = @token", new { queue, token });
    }

    /// <summary>
    /// The next messages after <paramref name="afterSeq"/> (arrival order) with a recipient in the queue that is due (or
    /// held, when asked), each with just those recipients. A page at a time, so draining a long queue is not quadratic.
    /// </summary>
    public async Task<IReadOnlyList<QueuedMessage>> NextInQueueAsync(string queue, bool includeHeld, long now, long afterSeq, int limit)
    {
        await using var c = await database.OpenAsync();
        var filter = $"r.queue = @queue AND ((r.state = {Pending1} AND r.next_attempt <= @now) OR (@includeHeld AND r.state = {Pending2}))";
        var messages = (await c.QueryAsync<MessageRow>(
            $"SELECT {MessageColumns} FROM queue_messages WHERE seq > @afterSeq AND id IN (SELECT r.message_id FROM queue_recipients r WHERE {filter}) ORDER BY seq LIMIT @limit",
            new { queue, now, includeHeld, afterSeq, limit })).ToList();
        if (messages.Count == 0) return [];
        var ids = messages.Select(m => m.Id).ToList();
        var recipients = (await c.QueryAsync<RecipientRow>(
            $"SELECT {RecipientColumns} FROM queue_recipients r WHERE r.message_id IN @ids AND {filter} ORDER BY idx",
            new { ids, queue, now, includeHeld })).ToLookup(r => r.MessageId);
        return messages.Select(m => new QueuedMessage(m, recipients[m.Id].ToList())).Where(q => q.Recipients.Count > 0).ToList();
    }

    /// <summary>Applies one message's delivery outcomes (see <see cref="RecordOutcomesAsync(IReadOnlyList{ValueTuple{string, IReadOnlyList{RecipientUpdate}}})"/>). Returns false when the message is gone.</summary>
    public async Task<bool> RecordOutcomesAsync(string messageId, IReadOnlyList<RecipientUpdate> updates) =>
        (await RecordOutcomesAsync([(messageId, updates)])).Contains(messageId);

    /// <summary>
    /// Applies the delivery outcomes of several messages in one transaction (the outcome group commit of
    /// <see cref="OutcomeCommitter"/>: one WAL fsync for the batch) and removes each message that has nothing pending.
    /// Returns the ids of the messages that still existed (one deleted meanwhile, by <c>kernel queue delete</c>, is not).
    /// </summary>
    public async Task<IReadOnlySet<string>> RecordOutcomesAsync(IReadOnlyList<(string MessageId, IReadOnlyList<RecipientUpdate> Updates)> batch)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        List<string> dead;
        await using (var lease = await database.RentAsync())
        using (await database.EnterWriteAsync())
        using (var tx = lease.Connection.BeginTransaction())
        {
            var c = lease.Connection;
            foreach (var (messageId, updates) in batch)
            {
                if (await ApplyUpdatesAsync(c, tx, updates) > 0) found.Add(messageId);
            }
            dead = await RemoveFinishedAsync(c, tx, found);
            await tx.CommitAsync();
        }
        DeleteBodies(dead);
        return found;
    }

    /// <summary>Pending remote recipients of messages older than <paramref name="cutoff"/> in queues nobody leases now.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> ExpiredAsync(long cutoff, long now, int limit)
    {
        await using var c = await database.OpenAsync();
        // A parked recipient waits for the operator (kernel queue retry or delete), not for expiry.
        var filter = $"state IN ({Pending1}, {Pending2}) AND (last_error IS NULL OR last_error NOT LIKE '{ParkedPattern}') AND NOT EXISTS (SELECT 1 FROM queue_leases l WHERE l.queue = queue_recipients.queue AND l.expires > {now})";
        var messages = (await c.QueryAsync<MessageRow>(
            $"SELECT {MessageColumns} FROM queue_messages m WHERE routed = 1 AND created <= @cutoff AND EXISTS " +
            $"(SELECT 1 FROM queue_recipients WHERE message_id = m.id AND {filter}) ORDER BY seq LIMIT @limit", new { cutoff, limit })).ToList();
        return await LoadRecipientsAsync(c, null, messages, filter);
    }

    /// <summary>Every recipient address a message has (to expand a group without loops or duplicates).</summary>
    public async Task<IReadOnlySet<string>> AddressesAsync(string messageId)
    {
        await using var c = await database.OpenAsync();
        return (await c.QueryAsync<string>("SELECT address FROM queue_recipients WHERE message_id = @messageId", new { messageId })).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Messages with a DSN still owed, with just the recipients it reports.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> PendingDsnsAsync(int limit)
    {
        await using var c = await database.OpenAsync();
        var messages = (await c.QueryAsync<MessageRow>(
            $"SELECT {MessageColumns} FROM queue_messages WHERE id IN (SELECT message_id FROM queue_recipients WHERE dsn > 0) ORDER BY seq LIMIT @limit",
            new { limit })).ToList();
        return await LoadRecipientsAsync(c, null, messages, "dsn > 0");
    }

    /// <summary>Marks the DSNs of these recipients sent and removes the message if nothing else is pending.</summary>
    public async Task DsnSentAsync(string messageId, IReadOnlyList<long> idxs, DsnPending kind)
    {
        List<string> dead;
        await using (var c = await database.OpenAsync())
        using (var tx = c.BeginTransaction())
        {
            await c.ExecuteAsync("UPDATE queue_recipients SET dsn = 0 WHERE message_id = @messageId AND idx IN @idxs AND dsn = @kind", new { messageId, idxs, kind = (int)kind }, tx);
            dead = await RemoveFinishedAsync(c, tx, [messageId]);
            await tx.CommitAsync();
        }
        DeleteBodies(dead);
    }

    public async Task<int> ReleaseQueueAsync(string queue, long now)
    {
        await using var c = await database.OpenAsync();
        using var tx = c.BeginTransaction();
        var count = await c.ExecuteScalarAsync<int>($"SELECT COUNT(DISTINCT message_id) FROM queue_recipients WHERE queue = @queue AND state IN ({Pending1}, {Pending2})", new { queue }, tx);
        await c.ExecuteAsync($"UPDATE queue_recipients SET state = {Pending1}, next_attempt = @now WHERE queue = @queue AND state IN ({Pending1}, {Pending2})", new { queue, now }, tx);
        await tx.CommitAsync();
        return count;
    }

    public async Task<IReadOnlyList<QueuedMessage>> ListAsync(string? queue)
    {
        await using var c = await database.OpenAsync();
        var messages = (await c.QueryAsync<MessageRow>(queue is null
            ? $"SELECT {MessageColumns} FROM queue_messages ORDER BY seq"
            : $"SELECT {MessageColumns} FROM queue_messages WHERE id IN (SELECT message_id FROM queue_recipients WHERE queue = @queue) ORDER BY seq",
            new { queue })).ToList();
        return await LoadRecipientsAsync(c, null, messages, "1 = 1");
    }

    public async Task<QueuedMessage?> GetAsync(string id)
    {
        await using var c = await database.OpenAsync();
        var message = await c.QueryFirstOrDefaultAsync<MessageRow>($"SELECT {MessageColumns} FROM queue_messages WHERE id = @id", new { id });
        return message is null ? null : (await LoadRecipientsAsync(c, null, [message], "1 = 1"))[0];
    }

    public async Task<bool> RetryAsync(string id, long now)
    {
        await using var c = await database.OpenAsync();
        using var tx = c.BeginTransaction();
        var found = await c.ExecuteAsync("UPDATE queue_messages SET lease_until = CASE WHEN lease_owner IS NULL THEN NULL ELSE lease_until END WHERE id = @id", new { id }, tx) == 1;
        await c.ExecuteAsync($"UPDATE queue_recipients SET next_attempt = @now WHERE message_id = @id AND state = {Pending1}", new { id, now }, tx);
        // Un-park (Delivery/Parking.cs): the failure run starts again and the mark goes, so routing (New) or the
        // scheduler (Waiting, due now above) tries it at once. A remote recipient keeps its attempts: they pace its back-off.
        await c.ExecuteAsync($"UPDATE queue_recipients SET attempts = CASE WHEN state = {Pending0} THEN 0 ELSE attempts END, plugin_failures = 0, failing_since = NULL, " +
                  $"last_error = 'resumed by retry after: ' || last_error WHERE message_id = @id AND state IN ({Pending0}, {Pending1}) AND last_error LIKE '{ParkedPattern}'",
                  new { id }, tx);
        await tx.CommitAsync();
        return found;
    }

    public async Task<bool> DeleteAsync(string id)
    {
        string? deadBody = null;
        await using (var c = await database.OpenAsync())
        using (var tx = c.BeginTransaction())
        {
            var bodyId = await c.ExecuteScalarAsync<string?>("DELETE FROM queue_messages WHERE id = @id RETURNING body_id", new { id }, tx);
            if (bodyId is null) return false;
            await c.ExecuteAsync("DELETE FROM queue_recipients WHERE message_id = @id", new { id }, tx);
            await ForgetGeneratedKeysAsync(c, tx, id);
            if (await BodyStore.ReleaseReferenceAsync(c, tx, bodyId)) deadBody = bodyId;
            await tx.CommitAsync();
        }
        if (deadBody is not null) bodies.DeleteFile(deadBody);
        return true;
    }
}
