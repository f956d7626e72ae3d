using Dapper;

namespace Kernel.Mailboxes;

/// <summary>\Recent's per-mailbox mark (<see cref="Kernel.Abstractions.IMailboxView.ClaimRecentAsync"/>, migration 014).</summary>
public sealed partial class SqliteMailboxStore
{
    private const string SelectRecentMark = "SELECT recent_uid FROM mailboxes WHERE id = @id";

    internal async ValueTask<uint> ViewClaimRecentAsync(MailboxView view, uint upToUid, bool claim, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        long mark;
        await using (connection)
            mark = await connection.ExecuteScalarAsync<long>(new CommandDefinition(SelectRecentMark, new { id = row.Id }, cancellationToken: cancellationToken));
        // Only a mark that must rise takes the write lock: a SELECT with nothing new is a read.
        if (!claim || mark >= upToUid) return (uint)mark;
        return await WriteAsync(async (c, t, _) =>
        {
            // read again under the write lock: of two sessions (or processes) racing, only one gets each message
            var previous = await c.ExecuteScalarAsync<long>(SelectRecentMark, new { id = row.Id }, t);
            if (previous < upToUid) await c.ExecuteAsync("UPDATE mailboxes SET recent_uid = @upTo WHERE id = @id", new { id = row.Id, upTo = (long)upToUid }, t);
            return (uint)previous;
        }, cancellationToken);
    }
}
