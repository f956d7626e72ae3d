using System.Runtime.CompilerServices;
using Dapper;
using Kernel.Abstractions;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// The header cache (013_message_headers.sql; issue 11, SEARCH HEADER speed): the raw header block of each stored body,
// one row per body like message_structures, filled lazily by the first read that needs it — so a body stored before
// the migration, or delivered by any write path, is covered without a hook in those paths.
public sealed partial class SqliteMailboxStore
{
    /// <summary>
    /// <see cref="IMailboxView.ReadHeadersAsync"/>: one rights check, one mailbox reload and one query (messages ⟕
    /// cached headers ⟕ bodies) for the whole UID set; bodies not cached yet are read from their files up to the empty
    /// line and cached in one transaction. A row's Return-Path prefix goes in front of its body's block. The connection
    /// is back in the pool before the first header is yielded.
    /// </summary>
    internal async IAsyncEnumerable<(uint Uid, ReadOnlyMemory<byte> Header)> ViewReadHeadersAsync(MailboxView view, UidSet uids,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        List<(uint Uid, ReadOnlyMemory<byte> Header)> found;
        await using (connection) found = await ReadHeadersAsync(connection, row.Id, uids, cancellationToken);
        foreach (var header in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return header;
        }
    }

    /// <summary>
    /// <see cref="IMailboxView.FindInHeadersAsync"/>: one rights check, one mailbox reload and one query that keeps a
    /// message unless its cached header block (with the row's prefix in front) certainly has no field value holding
    /// the text. RFC 3501 §6.4.4 compares a field's value unfolded and RFC 2047-decoded, ignoring case; the block can
    /// rule a message out only where that value is a run of the block's bytes with CR and LF taken out
    /// (<see cref="MayHoldHeaderText"/>). Text that is empty or not ASCII keeps every message.
    /// </summary>
    internal async Task<IReadOnlyList<uint>> ViewFindInHeadersAsync(MailboxView view, UidSet uids, string text, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection)
        {
            var parameters = new DynamicParameters();
            parameters.Add("mailboxId", row.Id);
            var ranges = UidRanges(parameters, uids);
            var filter = text.Length > 0 && System.Text.Ascii.IsValid(text);
            if (filter) parameters.Add("text", text.ToLowerInvariant());
            return await PackedUidsAsync(connection, MayHoldHeaderText(ranges, filter), parameters, ranges is null ? uids : null, cancellationToken);
        }
    }

    /// <summary>
    /// The UIDs (column <c>uid</c>, ascending) of <c>@mailboxId</c>'s messages whose header block may hold <c>@text</c>
    /// (lower case ASCII). A block rules its message out only when all of these hold, so that the value as a parser
    /// gives it (unfolded, decoded) contains the text only where the block does with CR and LF removed, ASCII case
    /// folded: it is cached (NULL: not read yet, or too long); it has no <c>=?</c> (an RFC 2047 encoded word could
    /// decode to the text); its length in characters equals its length in bytes (no UTF-8 sequence — a character such
    /// as U+0131 or U+017F folds to an ASCII letter under .NET's case-insensitive compare — and no NUL); and
    /// <c>instr</c> finds no text in it lower-cased (SQLite's <c>lower</c> folds ASCII only). Other 8-bit bytes (not
    /// UTF-8) decode as Latin-1 or U+FFFD, neither of which folds to ASCII.
    /// </summary>
    private static string MayHoldHeaderText(int? uidRanges, bool filter)
    {
        if (!filter) return "SELECT uid FROM mailbox_messages WHERE mailbox_id = @mailboxId" + MailboxStoreSql.UidCondition(uidRanges) + " ORDER BY uid";
        return "SELECT uid FROM (SELECT m.uid AS uid, CASE WHEN m.prefix IS NULL THEN h.header ELSE CAST(m.prefix || h.header AS BLOB) END AS block " +
            "FROM mailbox_messages m LEFT JOIN message_headers h ON h.body_id = m.body_id WHERE m.mailbox_id = @mailboxId" +
            MailboxStoreSql.UidCondition(uidRanges) + ") WHERE block IS NULL OR instr(block, '=?') > 0 OR length(CAST(block AS TEXT)) <> length(block) " +
            "OR instr(lower(replace(replace(CAST(block AS TEXT), char(13), ''), char(10), '')), @text) > 0 ORDER BY uid";
    }

    private async Task<List<(uint Uid, ReadOnlyMemory<byte> Header)>> ReadHeadersAsync(SqliteConnection connection, long mailboxId, UidSet uids,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("mailboxId", mailboxId);
        var ranges = UidRanges(parameters, uids);
        var found = new List<(uint Uid, ReadOnlyMemory<byte> Header)>();
        // Bodies read from their files now, to be cached once the reader is closed (one body may be in several rows).
        var filled = new Dictionary<string, byte[]?>();
        await using (var reader = await connection.ExecuteReaderAsync(MailboxStoreSql.SelectMessageHeaders(ranges), parameters))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var uid = (uint)reader.GetInt64(0);
                if (ranges is null && !uids.Contains(uid)) continue;
                var prefix = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
                byte[]? header;
                if (reader.GetBoolean(3)) header = reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4);
                else
                {
                    var bodyId = reader.GetString(1);
                    if (!filled.TryGetValue(bodyId, out header))
                    {
                        await using (var stream = _bodies.Open(bodyId, reader.GetInt64(5) - (prefix?.Length ?? 0)).OpenRead()) header = await MessageHeaderBlock.ReadAsync(stream, cancellationToken);
                        filled[bodyId] = header;
                    }
                }
                if (header is null) continue; // longer than the cap: the caller reads the message
                found.Add((uid, prefix is { Length: > 0 } ? Prefixed(prefix, header) : header));
            }
        }
        if (filled.Count > 0) await CacheHeadersAsync(connection, filled, cancellationToken);
        return found;
    }

    /// <summary>
    /// The header block of prefix + body: the prefix is whole header fields (Return-Path), so it goes in front of the
    /// body's block (a body with no header of its own gives the prefix alone).
    /// </summary>
    private static byte[] Prefixed(byte[] prefix, byte[] header)
    {
        var block = new byte[prefix.Length + header.Length];
        prefix.CopyTo(block, 0);
        header.CopyTo(block, prefix.Length);
        return block;
    }

    /// <summary>Stores freshly read header blocks in one transaction (one commit for a whole first search).</summary>
    private static async Task CacheHeadersAsync(SqliteConnection connection, Dictionary<string, byte[]?> filled, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = MailboxStoreSql.InsertHeader;
        var id = command.Parameters.Add("@id", SqliteType.Text);
        var header = command.Parameters.Add("@header", SqliteType.Blob);
        foreach (var (bodyId, block) in filled)
        {
            id.Value = bodyId;
            header.Value = (object?)block ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
