using System.Buffers.Text;
using System.Text;
using Dapper;
using Kernel.Abstractions;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// Summaries for the view (IMailboxView.FetchAsync; issue 11, FETCH 1:* FLAGS latency). A reader loop over typed
// columns makes about a dozen native calls per message (Microsoft.Data.Sqlite checks the column type before each
// value, and every call takes the statement's SafeHandle and SQLite's connection mutex): on a 10,000-message mailbox
// that was most of the command's CPU. Here SQLite itself packs the rows into one text value — one line per message —
// so the whole UID set costs a handful of native calls, and the lines are parsed from bytes.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// One value: <c>uid flags internal_date size modseq keywords</c> per message (keywords last: they hold spaces),
    /// lines joined by LF, in UID order (the subquery scans the primary key (mailbox_id, uid); the reader checks the
    /// order anyway). NULL when no message matches. Keywords are atoms (no LF). UID ranges as <see cref="MailboxStoreSql.SelectSummaries"/>.
    /// </summary>
    private static string SelectPackedSummaries(int? uidRanges, long? changedSince)
    {
        var inner = MailboxStoreSql.SelectSummaries(uidRanges, changedSince);
        return "SELECT CAST(group_concat(uid || ' ' || flags || ' ' || internal_date || ' ' || size || ' ' || modseq || ' ' || keywords, char(10)) AS BLOB) " +
            $"FROM ({inner})";
    }

    /// <summary>What <see cref="SummariesAsync"/> gives, from one packed value (see <see cref="SelectPackedSummaries"/>).</summary>
    private static async Task<List<MessageSummary>> PackedSummariesAsync(SqliteConnection connection, long mailboxId, UidSet uids, ulong? changedSince,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("mailboxId", mailboxId);
        var ranges = UidRanges(parameters, uids);
        await using var reader = await connection.ExecuteReaderAsync(SelectPackedSummaries(ranges, (long?)changedSince), parameters);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0)) return [];
        return ParsePackedSummaries(PackedValue(reader, 0), ranges is null ? uids : null);
    }

    /// <summary>
    /// A packed value's bytes. Not <c>GetBytes</c>/<c>GetStream</c>: Microsoft.Data.Sqlite looks there for the
    /// column's table to stream a blob from, and for an aggregate over a joined column that lookup crashed in SQLite.
    /// </summary>
    private static byte[] PackedValue(System.Data.Common.DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);

    /// <summary>
    /// The lines of a packed value as summaries; <paramref name="filter"/>: UIDs outside it are left out (many ranges are
    /// not put in the SQL). Messages with the same keyword list share one list (keywords interned per read).
    /// </summary>
    internal static List<MessageSummary> ParsePackedSummaries(ReadOnlySpan<byte> packed, UidSet? filter)
    {
        var found = new List<MessageSummary>(packed.Count((byte)'\n') + 1);
        Dictionary<string, string[]>? keywordLists = null;
        var ordered = true;
        uint last = 0;
        while (packed.Length > 0)
        {
            var end = packed.IndexOf((byte)'\n');
            var line = end < 0 ? packed : packed[..end];
            packed = end < 0 ? default : packed[(end + 1)..];
            var uid = (uint)Field(ref line);
            var flags = (MessageFlags)Field(ref line);
            var date = Field(ref line);
            var size = Field(ref line);
            var modseq = Field(ref line);
            if (filter is not null && !filter.Contains(uid)) continue;
            IReadOnlyList<string> keywords = [];
            if (line.Length > 0)
            {
                var text = Encoding.UTF8.GetString(line);
                keywordLists ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
                if (!keywordLists.TryGetValue(text, out var list)) keywordLists[text] = list = text.Split(' ');
                keywords = list;
            }
            if (uid < last) ordered = false;
            last = uid;
            found.Add(new MessageSummary(uid, flags, keywords, DateTimeOffset.FromUnixTimeMilliseconds(date), size, (ulong)modseq));
        }
        if (!ordered) found.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        return found;
    }

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
