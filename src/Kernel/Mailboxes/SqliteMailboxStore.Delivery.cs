using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// The delivery pipeline's group commit (ILocalDelivery): many appends as the System principal in one transaction.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// How long a delivery key is kept (007_delivery_keys.sql). A key matters only until the queue has recorded the
    /// recipient as delivered, which is the next transaction unless the server crashed in between; a message still
    /// queued after its expiry (5 days by default) is bounced without delivery, so a longer retention is never needed.
    /// </summary>
    public static readonly TimeSpan DeliveryKeyRetention = TimeSpan.FromDays(14);

    // Old keys are pruned inside a delivery transaction at most this often.
    private static readonly TimeSpan DeliveryKeyPruneInterval = TimeSpan.FromHours(1);

    // Keys looked up per statement (each is one SQL parameter).
    private const int KeyLookupChunk = 500;

    private long _nextKeyPrune;

    public async Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0) return [];
        var results = new LocalDeliveryResult[items.Count];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await WriteAsync(async (connection, transaction, effects) =>
        {
            // Keys already delivered (a batch repeated after a crash, or the same key twice in this batch): no second copy.
            var delivered = await LoadDeliveryKeysAsync(connection, transaction, items.Select(i => i.DeliveryKey).OfType<string>());
            var rows = new Dictionary<(AccountAddress, string), MailboxRow?>();
            // Each owner's quota and bytes held, read once per batch inside the write (one statement on the batch's
            // connection, as an APPEND's check) instead of a settings transaction of its own before it.
            var used = new Dictionary<AccountAddress, long>();
            var limits = new Dictionary<AccountAddress, long?>();
            var references = new Dictionary<string, (StoredBody Body, int Count)>(StringComparer.Ordinal);
            var touched = new HashSet<long>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (item.DeliveryKey is { } key && delivered.TryGetValue(key, out var earlier))
                {
                    results[i] = new LocalDeliveryResult(earlier, null, null);
                    continue;
                }
                var name = MailboxName.Canonical(item.Mailbox);
                if (!rows.TryGetValue((item.Owner, name), out var row))
                {
                    row = await LoadRowAsync(connection, transaction, item.Owner, name);
                    rows[(item.Owner, name)] = row;
                }
                if (row is null || !row.IsSelectable)
                {
                    results[i] = new LocalDeliveryResult(null, MailboxError.NonExistent, MailboxException.NoSuchMailboxText);
                    continue;
                }
                if (!used.TryGetValue(item.Owner, out var bytes)) (limits[item.Owner], bytes) = await QuotaAndUsageAsync(connection, transaction, item.Owner);
                var size = item.Body.Length + (item.Prefix?.Length ?? 0);
                if (limits[item.Owner] is { } limit && bytes + size > limit)
                {
                    used[item.Owner] = bytes;
                    results[i] = new LocalDeliveryResult(null, MailboxError.OverQuota, "Mailbox quota exceeded");
                    continue;
                }
                used[item.Owner] = bytes + size;
                var uid = await InsertMessageAsync(connection, transaction, row, item.Body, item.Prefix, item.Flags, MessageRow.JoinKeywords(item.Keywords), now);
                touched.Add(row.Id);
                references[item.Body.Id] = references.TryGetValue(item.Body.Id, out var r) ? (r.Body, r.Count + 1) : (item.Body, 1);
                var appended = new AppendResult((uint)row.UidValidity, uid);
                if (item.DeliveryKey is { } newKey)
                {
                    // Same transaction as the append: after a crash either both are there or neither is.
                    await connection.ExecutePreparedAsync(MailboxStoreSql.InsertDeliveryKey,
                        new { key = newKey, mailboxId = row.Id, uidValidity = row.UidValidity, uid = (long)uid, now }, transaction);
                    delivered[newKey] = appended;
                }
                results[i] = new LocalDeliveryResult(appended, null, null);
            }
            // One reference row update per distinct body: a message for many recipients is stored once (§ design "Storage").
            foreach (var (body, count) in references.Values) await BodyStore.AddReferenceAsync(connection, transaction, body, count);
            foreach (var ((owner, _), row) in rows)
            {
                if (row is null || !touched.Contains(row.Id)) continue;
                await SaveCountersAsync(connection, transaction, row);
                effects.Changed(owner, row, MailboxChangeKind.Appended);
            }
            await PruneDeliveryKeysAsync(connection, transaction, now);
        }, cancellationToken);
        return results;
    }

    private static async Task<Dictionary<string, AppendResult>> LoadDeliveryKeysAsync(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<string> keys)
    {
        var found = new Dictionary<string, AppendResult>(StringComparer.Ordinal);
        foreach (var chunk in keys.Distinct(StringComparer.Ordinal).Chunk(KeyLookupChunk))
        {
            var rows = await connection.QueryAsync<(string Key, long UidValidity, long Uid)>(
                MailboxStoreSql.SelectDeliveryKeys, new { keys = chunk }, transaction);
            foreach (var (key, uidValidity, uid) in rows) found[key] = new AppendResult((uint)uidValidity, (uint)uid);
        }
        return found;
    }

    /// <summary>Drops keys past <see cref="DeliveryKeyRetention"/>, at most once per <see cref="DeliveryKeyPruneInterval"/> (runs under the write gate).</summary>
    private async Task PruneDeliveryKeysAsync(SqliteConnection connection, SqliteTransaction transaction, long now)
    {
        if (now < _nextKeyPrune) return;
        _nextKeyPrune = now + (long)DeliveryKeyPruneInterval.TotalMilliseconds;
        await connection.ExecuteAsync(MailboxStoreSql.DeleteExpiredDeliveryKeys,
            new { cutoff = now - (long)DeliveryKeyRetention.TotalMilliseconds }, transaction);
    }
}
