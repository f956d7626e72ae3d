using System.Text;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The view's whole-mailbox reads that SQLite packs into one value (issue 11, FETCH/SELECT/SEARCH latency): summaries
/// (<see cref="IMailboxView.FetchAsync"/>), UID searches (<see cref="IMailboxView.SearchAsync"/>), and the header
/// filter behind SEARCH HEADER (<see cref="IMailboxView.FindInHeadersAsync"/>), which may keep a message that does not
/// match but never drops one that may.
/// </summary>
public sealed class PackedReadTests : IDisposable
{
    private static readonly Principal Alice = U("alice");

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task<uint> AppendAsync(string text, MessageFlags flags = MessageFlags.None, IReadOnlyList<string>? keywords = null) =>
        (await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.UTF8.GetBytes(text)), flags, keywords)).Uid;

    private async Task ReadAllHeadersAsync(IMailboxView view)
    {
        await foreach (var _ in view.ReadHeadersAsync(UidSet.All)) { }
    }

    [Fact]
    public async Task Summaries_come_back_whole_in_uid_order_with_keyword_lists_shared_and_uid_ranges_applied()
    {
        var date = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 70; i++)
        {
            await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody {i}\r\n")),
                i % 2 == 0 ? MessageFlags.Seen : MessageFlags.Flagged | MessageFlags.Draft, i % 3 == 0 ? ["$Label1", "Work"] : [], date.AddMinutes(i));
        }
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        var all = await view.FetchAsync(UidSet.All);
        Assert.Equal(Enumerable.Range(1, 70).Select(u => (uint)u), all.Select(m => m.Uid));
        var third = all[3];
        Assert.Equal(MessageFlags.Flagged | MessageFlags.Draft, third.Flags);
        Assert.Equal(["$Label1", "Work"], third.Keywords);
        Assert.Same(all[0].Keywords, all[3].Keywords); // one list per distinct keyword set in a read
        Assert.Empty(all[1].Keywords);
        Assert.Equal(date.AddMinutes(3), third.InternalDate);
        Assert.Equal(Encoding.ASCII.GetByteCount("Subject: 3\r\n\r\nbody 3\r\n"), third.Size);
        Assert.True(third.ModSeq > 0);

        // A few ranges go into the SQL, many are filtered after the read: the same answer either way.
        Assert.Equal([2u, 3u, 10u], (await view.FetchAsync(new UidSet([(2, 3), (10, 10)]))).Select(m => m.Uid));
        var sparse = Enumerable.Range(0, 70).Where(i => i % 2 == 1).Select(i => ((uint)i, (uint)i)).ToList(); // 35 ranges
        Assert.Equal(sparse.Select(r => r.Item1), (await view.FetchAsync(new UidSet(sparse))).Select(m => m.Uid));
        Assert.Empty(await view.FetchAsync(UidSet.Range(100, 200)));
        // CHANGEDSINCE: only what changed after the modseq.
        await view.StoreFlagsAsync(UidSet.Of(7), new FlagChange(FlagChangeMode.Add, MessageFlags.Answered, []));
        Assert.Equal([7u], (await view.FetchAsync(UidSet.All, all.Max(m => m.ModSeq))).Select(m => m.Uid));

        // The UID searches (SELECT's sequence map, flag searches) read the same way.
        Assert.Equal(Enumerable.Range(1, 70).Select(u => (uint)u), await view.SearchAsync(new MessageQuery()));
        Assert.Equal(Enumerable.Range(0, 35).Select(i => (uint)(2 * i + 2)), await view.SearchAsync(new MessageQuery { FlagsSet = MessageFlags.Draft }));
        Assert.Equal(sparse.Select(r => r.Item1), await view.SearchAsync(new MessageQuery { Uids = new UidSet(sparse) }));
        Assert.Empty(await view.SearchAsync(new MessageQuery { FlagsSet = MessageFlags.Deleted }));
    }

    [Theory]
    [InlineData("Subject: Quarterly\r\n Report\r\n", true)] // across a fold, another case
    [InlineData("Subject: quarterly  report\r\n", false)]
    [InlineData("Subject: quarterly\r\n\r\n", false)] // the block ends before the text does
    [InlineData("X-A: quarterly \r\nreport\r\n", true)] // any line break is skipped (a may, never a miss)
    [InlineData("Subject: =?us-ascii?q?x?=\r\n", true)]
    [InlineData("Subject: caf\u00e9\r\n", true)]
    public void A_block_may_hold_the_text_skipping_line_breaks_unless_it_has_encoded_words_or_8_bit_bytes(string block, bool may)
    {
        Assert.Equal(may, SqliteMailboxStore.HeaderBlockMayHold(Encoding.UTF8.GetBytes(block), "quarterly report"u8));
    }

    [Fact]
    public async Task The_header_filter_drops_only_messages_whose_cached_header_cannot_hold_the_text()
    {
        var plain = await AppendAsync("From: a@example.com\r\nSubject: quarterly report\r\n\r\nbody\r\n");
        var folded = await AppendAsync("Subject: quarterly\r\n report, folded\r\n\r\nbody\r\n");
        var encoded = await AppendAsync("Subject: =?utf-8?q?quarterly_r=C3=A9port?=\r\n\r\nbody\r\n");
        var dotless = await AppendAsync("Subject: quarterly rep\u0131rt\r\n\r\nbody\r\n"); // U+0131 folds to I in .NET's compare
        var inBody = await AppendAsync("Subject: nothing here\r\n\r\nthe quarterly report is in the body only\r\n");
        var other = await AppendAsync("Subject: minutes\r\n\r\nbody\r\n");
        var upper = await AppendAsync("SUBJECT: QUARTERLY REPORT\r\n\r\nbody\r\n");
        var delivered = await _bed.Bodies.WriteAsync(new MemoryStream("Subject: delivered\r\n\r\nbody\r\n"u8.ToArray()));
        Assert.Null(Assert.Single(await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", delivered,
            Prefix: Encoding.ASCII.GetBytes("Return-Path: <sender@remote.example>\r\n"))])).Error);
        var prefixed = (await _bed.Store.FetchAsync(Alice, "INBOX", UidSet.All)).Max(m => m.Uid);

        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        // Nothing cached yet: every message may hold it (the caller reads them, which fills the cache).
        Assert.Equal(8, (await view.FindInHeadersAsync(UidSet.All, "quarterly report")).Count);
        await ReadAllHeadersAsync(view);

        Assert.Equal([plain, folded, encoded, dotless, upper], await view.FindInHeadersAsync(UidSet.All, "Quarterly Report"));
        // A delivered message's Return-Path prefix is part of its header.
        Assert.Equal([encoded, dotless, prefixed], await view.FindInHeadersAsync(UidSet.All, "REMOTE.example"));
        Assert.Equal([encoded, dotless, other], await view.FindInHeadersAsync(UidSet.All, "minutes"));
        Assert.Equal([folded, encoded, dotless], await view.FindInHeadersAsync(new UidSet([(folded, dotless)]), "report"));
        // Text the filter cannot fold (not ASCII) and empty text keep every message.
        Assert.Equal(8, (await view.FindInHeadersAsync(UidSet.All, "r\u00e9port")).Count);
        Assert.Equal(8, (await view.FindInHeadersAsync(UidSet.All, "")).Count);
        Assert.Equal(8, (await view.FindInHeadersAsync(UidSet.All, "quarterly\r\n report")).Count);
        // A set of single UIDs.
        var every = new UidSet(Enumerable.Range(1, 8).Where(u => u % 2 == 1).Select(u => ((uint)u, (uint)u)).ToList());
        Assert.Equal([plain, encoded, upper], await view.FindInHeadersAsync(every, "quarterly report"));
        Assert.DoesNotContain(inBody, await view.FindInHeadersAsync(UidSet.All, "quarterly"));
    }
}
