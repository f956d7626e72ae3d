using System.Buffers.Text;
using System.Text;
using Dapper;
using Kernel.Abstractions;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// The header filter behind IMAP SEARCH HEADER/FROM/SUBJECT… (IMailboxView.FindInHeadersAsync; issue 11). Doing the
// match in SQL (instr/lower/replace over every block) cost more than it saved, and a row per block costs a dozen
// native calls and an array each; so SQLite packs the blocks of the whole UID set into one value (with their UIDs and
// lengths beside it) and the match runs here over the bytes.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// Three values for <c>@mailboxId</c>'s messages in UID order: the UIDs (space separated, <c>-</c> after one whose
    /// block is not cached or too long), the lengths of the cached blocks, and those blocks one after the other — each
    /// a row's prefix (Return-Path) in front of its body's block. NULLs when no message is there.
    /// </summary>
    private static string SelectPackedHeaders(int? uidRanges) =>
        "SELECT CAST(group_concat(uid || CASE WHEN block IS NULL THEN '-' ELSE '' END, ' ') AS BLOB), " +
        "CAST(group_concat(length(CAST(block AS BLOB)), ' ') AS BLOB), CAST(group_concat(block, '') AS BLOB) FROM (" +
        "SELECT m.uid AS uid, CASE WHEN m.prefix IS NULL THEN h.header ELSE CAST(m.prefix || h.header AS BLOB) END AS block " +
        "FROM mailbox_messages m LEFT JOIN message_headers h ON h.body_id = m.body_id WHERE m.mailbox_id = @mailboxId" +
        MailboxStoreSql.UidCondition(uidRanges) + " ORDER BY m.uid)";

    /// <summary>
    /// <see cref="IMailboxView.FindInHeadersAsync"/>: one rights check, one mailbox reload and one query; a message is
    /// left out only when its cached block cannot hold the text (<see cref="HeaderBlockMayHold"/>). Text that is empty,
    /// not ASCII, or holds CR or LF keeps every message.
    /// </summary>
    internal async Task<IReadOnlyList<uint>> ViewFindInHeadersAsync(MailboxView view, UidSet uids, string text, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection)
        {
            var parameters = new DynamicParameters();
            parameters.Add("mailboxId", row.Id);
            var ranges = UidRanges(parameters, uids);
            var filter = ranges is null ? uids : null;
            if (text.Length == 0 || !Ascii.IsValid(text) || text.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                var all = "SELECT uid FROM mailbox_messages WHERE mailbox_id = @mailboxId" + MailboxStoreSql.UidCondition(ranges) + " ORDER BY uid";
                return await PackedUidsAsync(connection, all, parameters, filter, cancellationToken);
            }
            var needle = Encoding.ASCII.GetBytes(text.ToLowerInvariant());
            await using var reader = await connection.ExecuteReaderAsync(SelectPackedHeaders(ranges), parameters);
            if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(0)) return [];
            return MatchPackedHeaders(PackedValue(reader, 0), PackedValue(reader, 1), PackedValue(reader, 2), needle, filter);
        }
    }

    /// <summary>The UIDs of <see cref="SelectPackedHeaders"/>'s values whose block may hold <paramref name="needle"/> (lower case ASCII).</summary>
    internal static List<uint> MatchPackedHeaders(ReadOnlySpan<byte> uids, ReadOnlySpan<byte> lengths, ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> needle, UidSet? filter)
    {
        var found = new List<uint>();
        var ordered = true;
        while (uids.Length > 0)
        {
            if (!Utf8Parser.TryParse(uids, out uint uid, out var consumed)) throw new InvalidDataException("packed header UIDs are malformed");
            var cached = consumed >= uids.Length || uids[consumed] != '-';
            uids = uids[Math.Min(uids.Length, consumed + (cached ? 1 : 2))..];
            var keep = true;
            if (cached)
            {
                var length = (int)Field(ref lengths);
                keep = HeaderBlockMayHold(blocks[..length], needle);
                blocks = blocks[length..];
            }
            if (!keep || (filter is not null && !filter.Contains(uid))) continue;
            if (found.Count > 0 && uid < found[^1]) ordered = false;
            found.Add(uid);
        }
        if (!ordered) found.Sort();
        return found;
    }

    /// <summary>
    /// False only when no field of <paramref name="block"/> can have a value holding <paramref name="needle"/> (lower
    /// case ASCII, no CR or LF). RFC 3501 §6.4.4 compares a field's value unfolded and RFC 2047-decoded, ignoring case;
    /// in a block with only ASCII bytes and no <c>=?</c> (no encoded word) that value is a run of the block with CR and
    /// LF taken out (RFC 5322 §2.2.3), so the needle is looked for skipping CR and LF, ASCII case folded. A block with
    /// 8-bit bytes (a UTF-8 character such as U+0131 folds to an ASCII letter) or an encoded word may hold it.
    /// </summary>
    internal static bool HeaderBlockMayHold(ReadOnlySpan<byte> block, ReadOnlySpan<byte> needle)
    {
        if (!Ascii.IsValid(block) || block.IndexOf("=?"u8) >= 0) return true;
        var first = needle[0];
        var upper = (byte)(first is >= (byte)'a' and <= (byte)'z' ? first - 32 : first);
        for (var from = 0; from < block.Length;)
        {
            var at = block[from..].IndexOfAny(first, upper);
            if (at < 0) return false;
            at += from;
            if (MatchesFrom(block, at + 1, needle[1..])) return true;
            from = at + 1;
        }
        return false;
    }

    /// <summary>Whether <paramref name="rest"/> follows in <paramref name="block"/> from <paramref name="at"/>, CR and LF skipped, ASCII case folded.</summary>
    private static bool MatchesFrom(ReadOnlySpan<byte> block, int at, ReadOnlySpan<byte> rest)
    {
        var i = at;
        foreach (var want in rest)
        {
            while (i < block.Length && block[i] is (byte)'\r' or (byte)'\n') i++;
            if (i >= block.Length) return false;
            var b = block[i++];
            if (b is >= (byte)'A' and <= (byte)'Z') b += 32;
            if (b != want) return false;
        }
        return true;
    }
}
