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
