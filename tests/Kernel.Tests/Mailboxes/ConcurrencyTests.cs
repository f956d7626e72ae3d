using Kernel.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>Issue 3 §8 "must hold": 20 writers to one mailbox get unique, increasing UIDs; no flag update is lost.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Twenty_concurrent_appenders_get_strictly_increasing_unique_uids()
    {
        const int writers = 20, each = 10;
        var perWriter = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var uids = new List<uint>();
            // Two stores on one database, like a server and the CLI: SQLite's own write lock must serialise them too.
            var store = w % 2 == 0 ? _bed.Store : new Kernel.Mailboxes.SqliteMailboxStore(_bed.Database, _bed.Bodies, _bed.Accounts, _bed.Router, _bed.Bus, _bed.Logger);
            for (var i = 0; i < each; i++)
                uids.Add((await store.AppendAsync(U("alice"), "INBOX", Message($"w{w}-{i}"))).Uid);
            return uids;
        })));
        foreach (var uids in perWriter) Assert.True(uids.Zip(uids.Skip(1)).All(p => p.First < p.Second), "each writer sees increasing UIDs");
        var all = perWriter.SelectMany(u => u).Order().ToList();
        Assert.Equal(Enumerable.Range(1, writers * each).Select(i => (uint)i), all);
        var status = await _bed.Store.GetStatusAsync(U("alice"), "INBOX");
        Assert.Equal((writers * each, (uint)(writers * each + 1)), (status.Messages, status.UidNext));
        Assert.Equal(all, (await _bed.Store.FetchAsync(U("alice"), "INBOX", UidSet.All)).Select(m => m.Uid));
    }

    [Fact]
    public async Task Concurrent_stores_lose_no_flag_update()
    {
        await _bed.Store.AppendAsync(U("alice"), "INBOX", Message("target"));
        var other = new Kernel.Mailboxes.SqliteMailboxStore(_bed.Database, _bed.Bodies, _bed.Accounts, _bed.Router, _bed.Bus, _bed.Logger);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? _bed.Store : other;
            await store.StoreFlagsAsync(U("alice"), "INBOX", UidSet.Of(1), new(FlagChangeMode.Add, MessageFlags.None, [$"k{w}"]));
            var flag = (w % 4) switch { 0 => MessageFlags.Seen, 1 => MessageFlags.Flagged, 2 => MessageFlags.Answered, _ => MessageFlags.Draft };
            await store.StoreFlagsAsync(U("alice"), "INBOX", UidSet.Of(1), new(FlagChangeMode.Add, flag, []));
        })));
        var message = Assert.Single(await _bed.Store.FetchAsync(U("alice"), "INBOX", UidSet.All));
        Assert.Equal(Enumerable.Range(0, 20).Select(w => $"k{w}").Order(), message.Keywords.Order());
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged | MessageFlags.Answered | MessageFlags.Draft, message.Flags);
        // 20 keyword changes and 4 distinct flags each took a new modseq after the append's (2).
        Assert.Equal(2UL + 24, message.ModSeq);
        Assert.Equal(message.ModSeq, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).HighestModSeq);
    }
}
