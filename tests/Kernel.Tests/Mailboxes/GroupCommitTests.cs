using Dapper;
using Kernel.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The mailbox store's group commit (issue 11 "Speed"): writes that wait while a batch runs share the next
/// transaction, each in its own savepoint — a failing write rolls back only itself and gets its own error, the others
/// commit; a write cancelled before a batch took it never runs. The first write is held inside its transaction by
/// its own work, so what queues behind it is known exactly.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private long UidNext(string account)
    {
        using var connection = _bed.Database.Open();
        return connection.ExecuteScalar<long>("SELECT uid_next FROM mailboxes WHERE account = @account AND name = 'INBOX'", new { account });
    }

    [Fact]
    public async Task Waiting_writes_share_one_commit_and_a_failing_write_rolls_back_only_itself()
    {
        await _bed.Store.SetQuotaAsync(Principal.System, A("bob"), 10); // bob's append inside the batch is over quota
        var (held, release) = await _bed.HoldBatchAsync();
        var commitsBefore = _bed.Store.Commits;

        var a1 = Task.Run(() => _bed.Store.AppendAsync(U("alice"), "INBOX", Message("one")));
        await _bed.WaitForPendingAsync(1);
        // A write that changes a row and then fails: its change must not survive in the shared transaction.
        var broken = Task.Run(() => _bed.Store.WriteAsync<int>(async (connection, transaction, _) =>
        {
            await connection.ExecuteAsync("UPDATE mailboxes SET uid_next = uid_next + 1000 WHERE account = 'alice@company.dom' AND name = 'INBOX'", transaction: transaction);
            throw new InvalidOperationException("this write fails after its update");
        }, CancellationToken.None));
        await _bed.WaitForPendingAsync(2);
        var overQuota = Task.Run(() => _bed.Store.AppendAsync(U("bob"), "INBOX", Message("too big", padding: 100)));
        await _bed.WaitForPendingAsync(3);
        var a2 = Task.Run(() => _bed.Store.AppendAsync(U("alice"), "INBOX", Message("two")));
        await _bed.WaitForPendingAsync(4);
        var flagged = Task.Run(() => _bed.Store.StoreFlagsAsync(U("alice"), "INBOX", UidSet.Of(1), new(FlagChangeMode.Add, MessageFlags.Flagged, [])));
        await _bed.WaitForPendingAsync(5);
        Assert.False(a1.IsCompleted, "nothing returns before its commit");

        release.SetResult();
        await held;
        var first = await a1;
        var second = await a2;
        Assert.Equal("this write fails after its update", (await Assert.ThrowsAsync<InvalidOperationException>(() => broken)).Message);
        Assert.Equal(MailboxError.OverQuota, await ErrorOf(() => overQuota));
        var stored = await flagged;

        // Two transactions: the held one, then the five that waited (one fsync for them instead of five).
        Assert.Equal(commitsBefore + 2, _bed.Store.Commits);
        Assert.Equal((1u, 2u), (first.Uid, second.Uid)); // the failed write's uid_next + 1000 was rolled back before a2 ran
        Assert.Equal(3, UidNext("alice@company.dom"));
        Assert.Equal(MessageFlags.Flagged, Assert.Single(stored.Updated).Flags); // ran after a1 in the same transaction
        Assert.Equal(0, (await _bed.Store.GetStatusAsync(U("bob"), "INBOX")).Messages);
        var alice = await _bed.Store.FetchAsync(U("alice"), "INBOX", UidSet.All);
        Assert.Equal([(1u, MessageFlags.Flagged), (2u, MessageFlags.None)], alice.Select(m => (m.Uid, m.Flags)));
        // Each committed write's events were published after the commit, in order: the last Appended has both messages.
        var appended = _bed.Bus.Published.OfType<MailboxChanged>().Where(e => e.Owner == A("alice") && e.Kind == MailboxChangeKind.Appended).ToList();
        Assert.Equal([1, 2], appended.Select(e => e.Messages));
        Assert.DoesNotContain(_bed.Bus.Published.OfType<MailboxChanged>(), e => e.Owner == A("bob") && e.Kind == MailboxChangeKind.Appended);
    }

    [Fact]
    public async Task A_write_cancelled_while_it_waits_never_runs_and_its_body_file_goes()
    {
        var (held, release) = await _bed.HoldBatchAsync();
        using var cancel = new CancellationTokenSource();
        var append = await _bed.Store.BeginAppendAsync(U("alice"), "INBOX");
        await append.WriteAsync("Subject: cancelled\r\n\r\nbody\r\n"u8.ToArray());
        var commit = Task.Run(() => append.CommitAsync(cancel.Token));
        await _bed.WaitForPendingAsync(1);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => commit);

        release.SetResult();
        await held;
        Assert.Equal(0, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).Messages);
        Assert.Equal(1, UidNext("alice@company.dom"));
        var bodies = Path.Combine(_bed.Database.DataDirectory, "bodies");
        Assert.Empty(Directory.EnumerateFiles(bodies, "*", SearchOption.AllDirectories)); // the streamed body was made durable, then removed
        await append.DisposeAsync();
    }

    [Fact]
    public async Task A_lone_write_that_fails_leaves_nothing_and_the_next_write_commits()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _bed.Store.WriteAsync<int>(async (connection, transaction, _) =>
        {
            await connection.ExecuteAsync("UPDATE mailboxes SET uid_next = uid_next + 1000 WHERE account = 'alice@company.dom' AND name = 'INBOX'", transaction: transaction);
            throw new InvalidOperationException("alone");
        }, CancellationToken.None));
        Assert.Equal("alone", error.Message);
        Assert.Equal(1, UidNext("alice@company.dom"));
        Assert.Equal(1u, (await _bed.Store.AppendAsync(U("alice"), "INBOX", Message("after"))).Uid);
    }
}
