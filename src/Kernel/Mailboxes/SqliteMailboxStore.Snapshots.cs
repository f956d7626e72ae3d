using System.Text;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// SELECT and STATUS of a whole mailbox from its snapshot (MailboxSnapshot, MailboxSnapshotCache; issue 11): the UIDs,
// the unseen count and first unseen UID, the keywords in use. Before, a SELECT scanned every message three times
// (UIDs, unseen, keywords) each time; now an unchanged mailbox costs one row read, a changed one a single pass.
public sealed partial class SqliteMailboxStore
{
    private readonly MailboxSnapshotCache _snapshots = new();

    /// <summary>
    /// The mailbox's snapshot and the row it holds for: the kept one while it holds for <paramref name="row"/>, else
    /// one pass over the messages (stepped through SQLite's C API) inside one read transaction with the row read
    /// again, so the snapshot and the state it is kept for are the same.
    /// </summary>
    private async Task<(MailboxSnapshot Snapshot, MailboxRow Row)> SnapshotAsync(SqliteConnection connection, MailboxRow row)
    {
        if (_snapshots.Find(row) is { } kept) return (kept, row);
        using var transaction = connection.BeginTransaction(deferred: true);
        var now = await connection.QuerySingleOrDefaultPreparedAsync<MailboxRow>(MailboxStoreSql.SelectMailboxById, new { id = row.Id }, transaction);
        if (now is null || now.UidValidity != row.UidValidity) throw MailboxException.NonExistent();
        var snapshot = ReadSnapshot(connection, now);
        transaction.Commit();
        _snapshots.Keep(now.Id, snapshot);
        return (snapshot, now);
    }

    private static MailboxSnapshot ReadSnapshot(SqliteConnection connection, MailboxRow row)
    {
        using var rows = new SqliteRows(connection, MailboxStoreSql.SelectSnapshot);
        rows.Bind("@mailboxId", row.Id);
        var uids = new UidRuns.Builder();
        var unseen = 0;
        uint? firstUnseen = null;
        HashSet<string>? keywordLists = null;
        while (rows.Step())
        {
            var uid = (uint)rows.Int64(0);
            uids.Add(uid);
            if (((MessageFlags)rows.Int64(1) & MessageFlags.Seen) == 0)
            {
                unseen++;
                firstUnseen ??= uid;
            }
            var keywordBytes = rows.Bytes(2);
            if (keywordBytes.Length > 0) (keywordLists ??= new(StringComparer.Ordinal)).Add(Encoding.UTF8.GetString(keywordBytes));
        }
        var keywords = keywordLists is null ? [] : keywordLists.SelectMany(k => k.Split(' ')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new MailboxSnapshot(row, uids.Build(), unseen, firstUnseen, keywords);
    }
}
