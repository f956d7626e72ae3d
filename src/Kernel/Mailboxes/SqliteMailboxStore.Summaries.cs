using System.Buffers.Text;
using System.Text;
using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// Summaries and UID lists for the view (IMailboxView.FetchAsync, SearchAsync; issue 11, FETCH 1:* FLAGS latency). A
// Microsoft.Data.Sqlite reader loop makes about a dozen native calls per message (a type check before each value, the
// statement's SafeHandle and SQLite's connection mutex each time): on a 10,000-message mailbox that was most of the
// command's CPU. Summaries are stepped through SQLite's C API directly (SqliteRows: integers read as integers); UID lists are
// packed by SQLite into one text value and parsed from bytes.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// Message summaries in UID order (FETCH's flags, size, dates, modseq) for the view and the name-based call alike,
    /// stepped straight through SQLite's C API (<see cref="SqliteRows"/>): per message one step and six column reads
    /// of integers (keywords only when there are some), no text round trip. Packing the rows into one text value (the
    /// earlier way) spent most of the command's SQLite time turning integers into text and back. Keyword lists equal
    /// between messages share one array (interned per read).
    /// </summary>
    private static List<MessageSummary> ReadSummaries(SqliteConnection connection, long mailboxId, UidSet uids, ulong? changedSince)
    {
        var ranges = SqlUidRanges(uids);
        using var rows = new SqliteRows(connection, MailboxStoreSql.SelectSummaries(ranges, (long?)changedSince));
        rows.Bind("@mailboxId", mailboxId);
        BindUidRanges(rows, uids, ranges);
        var found = new List<MessageSummary>();
        Dictionary<string, string[]>? keywordLists = null;
        while (rows.Step())
        {
            var uid = (uint)rows.Int64(0);
            if (ranges is null && !uids.Contains(uid)) continue;
            IReadOnlyList<string> keywords = [];
            var keywordBytes = rows.Bytes(2);
            if (keywordBytes.Length > 0)
            {
                var text = Encoding.UTF8.GetString(keywordBytes);
                keywordLists ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
                if (!keywordLists.TryGetValue(text, out var list)) keywordLists[text] = list = text.Split(' ');
                keywords = list;
            }
            found.Add(new MessageSummary(uid, (MessageFlags)rows.Int64(1), keywords,
                DateTimeOffset.FromUnixTimeMilliseconds(rows.Int64(3)), rows.Int64(4), (ulong)rows.Int64(5)));
        }
        return found;
    }

    /// <summary>
    /// A packed value's bytes. Not <c>GetBytes</c>/<c>GetStream</c>: Microsoft.Data.Sqlite looks there for the
    /// column's table to stream a blob from, and for an aggregate over a joined column that lookup crashed in SQLite.
    /// </summary>
    private static byte[] PackedValue(System.Data.Common.DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);

    /// <summary>
    /// The UIDs the statement <paramref name="sql"/> selects (its only column, ascending), packed by SQLite into one
    /// space-separated value and parsed here; <paramref name="filter"/>: UIDs outside it are left out.
    /// </summary>
    private static async Task<List<uint>> PackedUidsAsync(SqliteConnection connection, string sql, DynamicParameters parameters, UidSet? filter,
        CancellationToken cancellationToken)
    {
        await using var reader = await connection.ExecuteReaderAsync($"SELECT CAST(group_concat(uid, ' ') AS BLOB) FROM ({sql})", parameters);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0)) return [];
        var rest = (ReadOnlySpan<byte>)PackedValue(reader, 0);
        var found = new List<uint>(rest.Count((byte)' ') + 1);
        var ordered = true;
        while (rest.Length > 0)
        {
            var uid = (uint)Field(ref rest);
            if (filter is not null && !filter.Contains(uid)) continue;
            if (found.Count > 0 && uid < found[^1]) ordered = false;
            found.Add(uid);
        }
        if (!ordered) found.Sort();
        return found;
    }

    /// <summary>The integer at the start of <paramref name="line"/>, which then moves past it and its space.</summary>
    private static long Field(ref ReadOnlySpan<byte> line)
    {
        if (!Utf8Parser.TryParse(line, out long value, out var consumed)) throw new InvalidDataException("a packed summary line is malformed");
        line = consumed < line.Length ? line[(consumed + 1)..] : default;
        return value;
    }
}
