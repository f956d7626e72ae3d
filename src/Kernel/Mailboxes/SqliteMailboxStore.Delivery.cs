using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

// The delivery pipeline's group commit (ILocalDelivery): many appends as the System principal in one transaction.
public sealed partial class SqliteMailboxStore
{
    public async Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0) return [];
        // Quota limits are read once per owner and batch, before the write lock is taken.
        var limits = new Dictionary<AccountAddress, long?>();
        foreach (var item in items)
        {
            if (!limits.ContainsKey(item.Owner)) limits[item.Owner] = await QuotaLimitAsync(item.Owner, cancellationToken);
        }
        var results = new LocalDeliveryResult[items.Count];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await WriteAsync((connection, transaction, effects) =>
        {
            var rows = new Dictionary<(AccountAddress, string), MailboxRow?>();
            var used = new Dictionary<AccountAddress, long>();
            var references = new Dictionary<string, (StoredBody Body, int Count)>(StringComparer.Ordinal);
            var touched = new HashSet<long>();
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                var name = MailboxName.Canonical(item.Mailbox);
                if (!rows.TryGetValue((item.Owner, name), out var row))
                {
                    row = LoadRow(connection, transaction, item.Owner, name);
                    rows[(item.Owner, name)] = row;
                }
                if (row is null || !row.IsSelectable)
                {
                    results[i] = new LocalDeliveryResult(null, MailboxError.NonExistent, MailboxException.NoSuchMailboxText);
                    continue;
                }
                if (!used.TryGetValue(item.Owner, out var bytes)) bytes = UsedBytes(connection, transaction, item.Owner);
                if (limits[item.Owner] is { } limit && bytes + item.Body.Length > limit)
                {
                    used[item.Owner] = bytes;
                    results[i] = new LocalDeliveryResult(null, MailboxError.OverQuota, "Mailbox quota exceeded");
                    continue;
                }
                used[item.Owner] = bytes + item.Body.Length;
                var uid = InsertMessage(connection, transaction, row, item.Body, item.Flags, MessageRow.JoinKeywords(item.Keywords), now);
                touched.Add(row.Id);
                references[item.Body.Id] = references.TryGetValue(item.Body.Id, out var r) ? (r.Body, r.Count + 1) : (item.Body, 1);
                results[i] = new LocalDeliveryResult(new AppendResult((uint)row.UidValidity, uid), null, null);
            }
            // One reference row update per distinct body: a message for many recipients is stored once (§ design "Storage").
            foreach (var (body, count) in references.Values) BodyStore.AddReference(connection, transaction, body, count);
            foreach (var ((owner, _), row) in rows)
            {
                if (row is null || !touched.Contains(row.Id)) continue;
                SaveCounters(connection, transaction, row);
                effects.Changed(owner, row);
            }
        }, cancellationToken);
        return results;
    }
}
