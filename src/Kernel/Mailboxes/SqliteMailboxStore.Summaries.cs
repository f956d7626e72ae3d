using System.Buffers.Text;
using System.Text;
using Dapper;
using Kernel.Abstractions;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Kernel.Mailboxes;

// Summaries and UID lists for the view (IMailboxView.FetchAsync, SearchAsync; issue 11, FETCH 1:* FLAGS latency). A
// Microsoft.Data.Sqlite reader loop makes about a dozen native calls per message (a type check before each value, the
// statement's SafeHandle and SQLite's connection mutex each time): on a 10,000-message mailbox that was most of the
// command's CPU. Summaries are stepped through SQLite's C API directly (integers read as integers); UID lists are
// packed by SQLite into one text value and parsed from bytes.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// What <see cref="SummariesAsync"/> gives, stepped straight through SQLite's C API: per message one step and six
    /// column reads of integers (keywords only when there are some), no text round trip. Packing the rows into one
    /// text value (the earlier way) spent most of the command's SQLite time turning integers into text and back.
    /// Keyword lists equal between messages share one array (interned per read).
    /// </summary>
    private static List<MessageSummary> RawSummaries(SqliteConnection connection, long mailboxId, UidSet uids, ulong? changedSince)
    {
        var ranges = uids.Ranges.Count > 32 ? (int?)null : uids.Ranges.Count;
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, MailboxStoreSql.SelectSummaries(ranges, (long?)changedSince), out sqlite3_stmt statement);
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        using (statement)
        {
            Bind(statement, "@mailboxId", mailboxId);
            for (var i = 0; i < (ranges ?? 0); i++)
            {
                Bind(statement, $"@f{i}", uids.Ranges[i].First);
                Bind(statement, $"@l{i}", uids.Ranges[i].Last);
            }
            var found = new List<MessageSummary>();
            Dictionary<string, string[]>? keywordLists = null;
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                var uid = (uint)raw.sqlite3_column_int64(statement, 0);
                if (ranges is null && !uids.Contains(uid)) continue;
                IReadOnlyList<string> keywords = [];
                var keywordBytes = raw.sqlite3_column_blob(statement, 2);
                if (keywordBytes.Length > 0)
                {
                    var text = Encoding.UTF8.GetString(keywordBytes);
                    keywordLists ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
                    if (!keywordLists.TryGetValue(text, out var list)) keywordLists[text] = list = text.Split(' ');
                    keywords = list;
                }
                found.Add(new MessageSummary(uid, (MessageFlags)raw.sqlite3_column_int64(statement, 1), keywords,
                    DateTimeOffset.FromUnixTimeMilliseconds(raw.sqlite3_column_int64(statement, 3)), raw.sqlite3_column_int64(statement, 4),
                    (ulong)raw.sqlite3_column_int64(statement, 5)));
            }
            if (rc != raw.SQLITE_DONE) throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
            return found;
        }
    }

    private static void Bind(sqlite3_stmt statement, string name, long value)
    {
        var index = raw.sqlite3_bind_parameter_index(statement, name);
        if (index > 0) raw.sqlite3_bind_int64(statement, index, value);
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
