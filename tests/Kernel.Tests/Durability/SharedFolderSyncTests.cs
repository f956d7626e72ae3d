using Dapper;
using Kernel.Abstractions;
using Kernel.Tests.Mailboxes;
using Kernel.Tests.Queue;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Durability;

/// <summary>
/// The shared folder sync (issue 10/11 "Speed"): a body is fsynced and renamed into place by its writer, but its folder
/// is fsynced by the batch that commits the rows referencing it — once per folder for the batch, and always before
/// that commit, so a row is never durable before its body's name. A folder that cannot be synced fails the commit.
/// These are file bodies (inline limit 0); a small body kept inside the database (015) needs no folder sync at all.
/// </summary>
public sealed class SharedFolderSyncTests : IDisposable
{
    private readonly MailboxTestBed _bed = new(inlineLimit: 0);

    public void Dispose() => _bed.Dispose();

    private static async Task<Task<AppendResult>> StartAppendAsync(MailboxTestBed bed, string subject)
    {
        var append = await bed.Store.BeginAppendAsync(U("alice"), "INBOX");
        await append.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nbody\r\n"));
        return Task.Run(async () =>
        {
            await using (append) return await append.CommitAsync();
        });
    }

    private string[] BodyFolders() =>
        Directory.GetDirectories(Path.Combine(_bed.Database.DataDirectory, "bodies")).Where(d => Path.GetFileName(d) != "tmp").ToArray();

    [Fact]
    public async Task Appends_committed_together_sync_each_body_folder_once_before_their_commit()
    {
        var (held, release) = await _bed.HoldBatchAsync();
        var syncsBefore = _bed.Bodies.FolderSyncs;
        var appends = new List<Task<AppendResult>>();
        for (var i = 0; i < 6; i++)
        {
            appends.Add(await StartAppendAsync(_bed, $"m{i}"));
            await _bed.WaitForPendingAsync(i + 1);
        }
        // Six bodies are fsynced and renamed into place, but no writer synced a folder: that is the batch's job.
        Assert.Equal(syncsBefore, _bed.Bodies.FolderSyncs);
        var unsynced = _bed.Bodies.UnsyncedFolders;
        Assert.InRange(unsynced, 1, 6);

        release.SetResult();
        await held;
        var uids = (await Task.WhenAll(appends)).Select(a => a.Uid).Order();
        Assert.Equal([1u, 2u, 3u, 4u, 5u, 6u], uids);
        Assert.Equal(0, _bed.Bodies.UnsyncedFolders);
        // One fsync per folder that received a body, not one per body (bodies written together share a folder).
        Assert.Equal(syncsBefore + unsynced, _bed.Bodies.FolderSyncs);
        Assert.Equal(BodyFolders().Length, unsynced);
        Assert.True(unsynced < 6, $"{unsynced} folders for 6 bodies written together");
    }

    [Fact]
    public async Task A_body_folder_that_cannot_be_synced_fails_the_commit_and_no_row_references_the_body()
    {
        var (held, release) = await _bed.HoldBatchAsync();
        var append = await StartAppendAsync(_bed, "lost folder");
        await _bed.WaitForPendingAsync(1);
        var folder = Assert.Single(BodyFolders());
        // The folder's name vanishes between the body's rename and the batch's folder sync.
        Directory.Move(folder, folder + ".away");
        release.SetResult();
        await held;
        await Assert.ThrowsAnyAsync<IOException>(() => append);
        Directory.Move(folder + ".away", folder);

        Assert.Equal(0, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).Messages);
        using (var connection = _bed.Database.Open())
            Assert.Equal(0, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM bodies"));
        // The folder stays marked until a sync succeeds: the next append syncs it and commits.
        Assert.Equal(1, _bed.Bodies.UnsyncedFolders);
        Assert.Equal(1u, (await await StartAppendAsync(_bed, "after")).Uid);
        Assert.Equal(0, _bed.Bodies.UnsyncedFolders);
    }

    [Fact]
    public async Task Queue_submissions_committed_together_sync_each_body_folder_once_before_their_commit()
    {
        await using var h = new QueueHarness(inlineLimit: 0);
        var syncsBefore = h.Bodies.FolderSyncs;
        var handed = h.Queue.HandedOver;
        Task<SubmitResult>[] submits;
        using (var blocker = h.Database.Open())
        using (var tx = blocker.BeginTransaction()) // holds the write lock: the writer's commit waits, the others queue
        {
            blocker.Execute("UPDATE queue_messages SET routed = routed", transaction: tx);
            submits = Enumerable.Range(0, 20).Select(i => h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", $"r{i}@remote.dom"), QueueHarness.Body($"{i}"))).ToArray();
            await QueueHarness.WaitUntilAsync(() => h.Queue.HandedOver - handed >= 20, "submissions handed to the writer");
            tx.Commit();
        }
        await Task.WhenAll(submits);
        Assert.All(submits, s => Assert.NotNull(s.Result.QueueId));
        Assert.Equal(0, h.Bodies.UnsyncedFolders);
        var folders = Directory.GetDirectories(Path.Combine(h.Database.DataDirectory, "bodies")).Count(d => Path.GetFileName(d) != "tmp");
        // At most two batches (the one blocked on the lock and the next), each syncing a folder once: not once per body.
        Assert.InRange(h.Bodies.FolderSyncs - syncsBefore, folders, 2 * folders);
        Assert.True(h.Bodies.FolderSyncs - syncsBefore < 20, $"{h.Bodies.FolderSyncs - syncsBefore} folder syncs for 20 bodies");
    }

    [Fact]
    public async Task Inline_bodies_committed_together_write_no_file_and_sync_no_folder()
    {
        using var bed = new MailboxTestBed();
        var (held, release) = await bed.HoldBatchAsync();
        var appends = new List<Task<AppendResult>>();
        for (var i = 0; i < 4; i++)
        {
            appends.Add(await StartAppendAsync(bed, $"inline {i}"));
            await bed.WaitForPendingAsync(i + 1);
        }
        release.SetResult();
        await held;
        Assert.Equal([1u, 2u, 3u, 4u], (await Task.WhenAll(appends)).Select(a => a.Uid).Order());
        // Body and rows were made durable by the batch's one commit: no body file, no folder fsync.
        Assert.Equal(0, bed.Bodies.FolderSyncs);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(bed.Database.DataDirectory, "bodies"), "*", SearchOption.AllDirectories));
        using var connection = bed.Database.Open();
        Assert.Equal(4, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM body_data"));
    }
}
