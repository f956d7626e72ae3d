using System.Text;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Microsoft.Extensions.Logging.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The mailbox snapshot behind SELECT and STATUS (issue 11): the UIDs, unseen count, first unseen UID and keywords of
/// a mailbox, kept while its row says nothing changed. Whatever changes the mailbox — here or in another process (a
/// second store instance on the same database) — the next STATUS and SELECT must read the new state, never the kept one.
/// </summary>
public sealed class MailboxSnapshotTests : IDisposable
{
    private static readonly Principal Alice = U("alice");

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static MessageBody Text(int i) => MessageBody.FromBytes(Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody {i}\r\n"));

    /// <summary>What STATUS and SELECT must say, worked out from the summaries (which are never kept).</summary>
    private static async Task AssertCurrentAsync(IMailboxView view, IMailboxStore store)
    {
        var all = await view.FetchAsync(UidSet.All);
        var unseen = all.Where(m => !m.Flags.HasFlag(MessageFlags.Seen)).ToList();
        var keywords = all.SelectMany(m => m.Keywords).Distinct(StringComparer.OrdinalIgnoreCase).Order().ToList();
        foreach (var status in new[] { await view.GetStatusAsync(), await store.GetStatusAsync(Alice, "INBOX") })
        {
            Assert.Equal(all.Count, status.Messages);
            Assert.Equal(unseen.Count, status.Unseen);
            Assert.Equal(unseen.FirstOrDefault()?.Uid, status.FirstUnseenUid);
            Assert.Equal(keywords, status.Keywords.Order());
            Assert.True(status.HighestModSeq >= (all.Count == 0 ? 1 : all.Max(m => m.ModSeq)));
        }
        var uids = await view.SearchAsync(new MessageQuery());
        Assert.Equal(all.Select(m => m.Uid), uids);
        for (var i = 0; i < uids.Count; i++) Assert.Equal(all[i].Uid, uids[i]);
    }

    [Fact]
    public async Task Status_and_the_uid_list_follow_every_change_made_here_or_by_another_process()
    {
        var other = new SqliteMailboxStore(_bed.Database, _bed.Bodies, _bed.Accounts, _bed.Router, new RecordingBus(), NullLogger<SqliteMailboxStore>.Instance);
        for (var i = 0; i < 20; i++) await _bed.Store.AppendAsync(Alice, "INBOX", Text(i), i < 5 ? MessageFlags.Seen : MessageFlags.None);
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        await AssertCurrentAsync(view, _bed.Store);
        await AssertCurrentAsync(view, _bed.Store); // read twice: the second from the kept snapshot

        foreach (var store in new IMailboxStore[] { other, _bed.Store })
        {
            // the first unseen message becomes seen: the unseen count and the first unseen UID move
            var first = (await view.GetStatusAsync()).FirstUnseenUid!.Value;
            await store.StoreFlagsAsync(Alice, "INBOX", UidSet.Of(first), new FlagChange(FlagChangeMode.Add, MessageFlags.Seen, []));
            await AssertCurrentAsync(view, _bed.Store);
            // a keyword only
            await store.StoreFlagsAsync(Alice, "INBOX", UidSet.Of(12), new FlagChange(FlagChangeMode.Add, MessageFlags.None, [store == other ? "$Other" : "$Here"]));
            await AssertCurrentAsync(view, _bed.Store);
            // a new message
            await store.AppendAsync(Alice, "INBOX", Text(100));
            await AssertCurrentAsync(view, _bed.Store);
            // an expunge in the middle: the UIDs break into runs
            await store.StoreFlagsAsync(Alice, "INBOX", UidSet.Range(8, 9), new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
            await store.ExpungeAsync(Alice, "INBOX");
            await AssertCurrentAsync(view, _bed.Store);
        }
        // every message seen and then gone
        await other.StoreFlagsAsync(Alice, "INBOX", UidSet.All, new FlagChange(FlagChangeMode.Add, MessageFlags.Seen | MessageFlags.Deleted, []));
        await AssertCurrentAsync(view, _bed.Store);
        await other.ExpungeAsync(Alice, "INBOX");
        await AssertCurrentAsync(view, _bed.Store);
        Assert.Equal(0, (await view.GetStatusAsync()).Messages);
    }

    [Fact]
    public async Task A_mailbox_deleted_and_created_again_under_its_name_is_not_read_from_the_old_snapshot()
    {
        await _bed.Store.CreateAsync(Alice, "Work");
        await _bed.Store.AppendAsync(Alice, "Work", Text(1));
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(Alice, "Work")).Messages);
        await _bed.Store.DeleteAsync(Alice, "Work");
        await _bed.Store.CreateAsync(Alice, "Work");
        var status = await _bed.Store.GetStatusAsync(Alice, "Work");
        Assert.Equal((0, 0, (uint?)null), (status.Messages, status.Unseen, status.FirstUnseenUid));
        await using var view = await _bed.Store.OpenAsync(Alice, "Work");
        Assert.Empty(await view.SearchAsync(new MessageQuery()));
    }

    [Fact]
    public void Uid_runs_read_as_the_list_they_were_built_from()
    {
        uint[] uids = [3, 4, 5, 9, 11, 12, 13, 14, 40];
        var builder = new UidRuns.Builder();
        foreach (var uid in uids) builder.Add(uid);
        var runs = builder.Build();
        Assert.Equal(4, runs.RunCount); // 3-5, 9, 11-14, 40
        Assert.Equal(uids.Length, runs.Count);
        Assert.Equal(uids, runs);
        Assert.Equal(uids, Enumerable.Range(0, runs.Count).Select(i => runs[i]));
        Assert.Throws<ArgumentOutOfRangeException>(() => runs[uids.Length]);
        Assert.Throws<ArgumentOutOfRangeException>(() => runs[-1]);
        var empty = new UidRuns.Builder().Build();
        Assert.Equal((0, 0), (empty.Count, empty.RunCount));
        Assert.Empty(empty);
    }

    [Fact]
    public void The_cache_keeps_a_snapshot_only_for_the_state_it_was_taken_in_and_drops_the_least_recently_used()
    {
        var cache = new MailboxSnapshotCache();
        MailboxRow Row(long id, long modseq = 1, long uidNext = 2) => new() { Id = id, UidValidity = 7, UidNext = uidNext, HighestModseq = modseq, Messages = 1 };
        MailboxSnapshot Snapshot(MailboxRow row)
        {
            var b = new UidRuns.Builder();
            b.Add(1);
            return new MailboxSnapshot(row, b.Build(), 1, 1, []);
        }
        for (var id = 1; id <= MailboxSnapshotCache.MaxEntries; id++) cache.Keep(id, Snapshot(Row(id)));
        Assert.NotNull(cache.Find(Row(1))); // now the most recently used
        Assert.Null(cache.Find(Row(1, modseq: 2))); // the mailbox changed since
        Assert.Null(cache.Find(Row(1, uidNext: 3))); // a message came
        cache.Keep(MailboxSnapshotCache.MaxEntries + 1, Snapshot(Row(MailboxSnapshotCache.MaxEntries + 1)));
        Assert.NotNull(cache.Find(Row(1)));
        Assert.Null(cache.Find(Row(2))); // the least recently used went
        Assert.NotNull(cache.Find(Row(MailboxSnapshotCache.MaxEntries + 1)));
    }
}
