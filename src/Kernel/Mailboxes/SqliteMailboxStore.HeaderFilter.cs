using System.Text;
using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

// The header filter behind IMAP SEARCH HEADER/FROM/SUBJECT… (IMailboxView.FindInHeadersAsync; issue 11). Doing the
// match in SQL (instr/lower/replace over every block) cost more than it saved, and packing every block into one value
// copied them all twice; so the rows are stepped through SQLite's C API (SqliteRows) and each cached block is matched
// where SQLite holds it, without a copy.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// <c>@mailboxId</c>'s messages in UID order: the UID, the row's prefix (Return-Path), and its body's cached header
    /// block (NULL when not cached or too long).
    /// </summary>
    private static string SelectHeaderBlocks(int? uidRanges) =>
        "SELECT m.uid, m.prefix, h.header FROM mailbox_messages m LEFT JOIN message_headers h ON h.body_id = m.body_id " +
        "WHERE m.mailbox_id = @mailboxId" + MailboxStoreSql.UidCondition(uidRanges) + " ORDER BY m.uid";

    /// <summary>
    /// <see cref="IMailboxView.FindInHeadersAsync"/>: one rights check, one mailbox reload and one query; a message is
    /// left out only when its cached block cannot hold the text (<see cref="HeaderBlockMayHold"/>). Text that is empty,
    /// not ASCII, or holds CR or LF keeps every message. The prefix and the header are matched apart: a field's value
    /// lies within one of them (the prefix is whole fields).
    /// </summary>
    internal async Task<IReadOnlyList<uint>> ViewFindInHeadersAsync(MailboxView view, UidSet uids, string text, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection)
        {
            var ranges = SqlUidRanges(uids);
            var filter = ranges is null ? uids : null;
            if (text.Length == 0 || !Ascii.IsValid(text) || text.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                var parameters = new DynamicParameters();
                parameters.Add("mailboxId", row.Id);
                UidRanges(parameters, uids);
                var all = "SELECT uid FROM mailbox_messages WHERE mailbox_id = @mailboxId" + MailboxStoreSql.UidCondition(ranges) + " ORDER BY uid";
                return await PackedUidsAsync(connection, all, parameters, filter, cancellationToken);
            }
            var needle = Encoding.ASCII.GetBytes(text.ToLowerInvariant());
            using var rows = new SqliteRows(connection, SelectHeaderBlocks(ranges));
            rows.Bind("@mailboxId", row.Id);
            BindUidRanges(rows, uids, ranges);
            var found = new List<uint>();
            while (rows.Step())
            {
                var uid = (uint)rows.Int64(0);
                if (filter is not null && !filter.Contains(uid)) continue;
                var header = rows.Bytes(2);
                if (header.Length == 0 || HeaderBlockMayHold(rows.Bytes(1), needle) || HeaderBlockMayHold(header, needle)) found.Add(uid);
            }
            return found;
        }
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
