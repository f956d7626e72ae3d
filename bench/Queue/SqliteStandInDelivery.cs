using Dapper;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Storage;

namespace Kernel.Bench.Queue;

/// <summary>
/// A stand-in for the mailbox store's batched append until it is merged: one transaction per batch that allocates a
/// UID per mailbox, inserts a message row and adds the body reference — the same shape of work the real store does.
/// Replace it with the real <see cref="ILocalDelivery"/> in <c>Program.CreateLocalDelivery</c>.
/// </summary>
internal sealed class SqliteStandInDelivery : ILocalDelivery
{
    private readonly SqliteDatabase _database;

    public SqliteStandInDelivery(SqliteDatabase database)
    {
        _database = database;
        using var c = database.Open();
        c.Execute("CREATE TABLE IF NOT EXISTS bench_mailboxes (owner TEXT NOT NULL, name TEXT NOT NULL, uid_next INTEGER NOT NULL, PRIMARY KEY (owner, name))");
        c.Execute("CREATE TABLE IF NOT EXISTS bench_messages (owner TEXT NOT NULL, name TEXT NOT NULL, uid INTEGER NOT NULL, body_id TEXT NOT NULL, size INTEGER NOT NULL, flags INTEGER NOT NULL, PRIMARY KEY (owner, name, uid))");
    }

    public Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default)
    {
        var results = new List<LocalDeliveryResult>(items.Count);
        using var c = _database.Open();
        using var tx = c.BeginTransaction();
        foreach (var item in items)
        {
            var owner = item.Owner.ToString();
            var uid = c.ExecuteScalar<long>(
                "INSERT INTO bench_mailboxes (owner, name, uid_next) VALUES (@owner, @name, 2) ON CONFLICT(owner, name) DO UPDATE SET uid_next = uid_next + 1 RETURNING uid_next - 1",
                new { owner, name = item.Mailbox }, tx);
            c.Execute("INSERT INTO bench_messages (owner, name, uid, body_id, size, flags) VALUES (@owner, @name, @uid, @body, @size, @flags)",
                new { owner, name = item.Mailbox, uid, body = item.Body.Id, size = item.Body.Length, flags = (int)item.Flags }, tx);
            BodyStore.AddReference(c, tx, item.Body);
            results.Add(new LocalDeliveryResult(new AppendResult(1, (uint)uid), null, null));
        }
        tx.Commit();
        return Task.FromResult<IReadOnlyList<LocalDeliveryResult>>(results);
    }
}
