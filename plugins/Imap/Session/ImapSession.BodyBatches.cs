using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// Whole-mailbox reads (FETCH 1:* BODY[…], SEARCH HEADER/BODY/TEXT) take the messages' bodies from the store a batch
/// at a time (<see cref="IMailboxView.OpenMessagesAsync"/>: one lookup for many messages instead of one each); a batch
/// is bounded so that a FETCH over a huge mailbox holds only a batch's worth of bodies, not one per message.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>Messages per batch.</summary>
    private const int BodyBatch = 1000;

    /// <summary>The bodies of the batch of <paramref name="summaries"/> (ascending UIDs) from <paramref name="start"/>, by UID; an expunged one is missing.</summary>
    private static async Task<Dictionary<uint, MessageBody>> BodiesAsync(IMailboxView view, IReadOnlyList<MessageSummary> summaries, int start, CancellationToken ct)
    {
        var count = Math.Min(BodyBatch, summaries.Count - start);
        var uids = Compact(summaries.Skip(start).Take(count).Select(m => m.Uid));
        // A sparse batch (a long sequence set) is asked for as its span: the store reads the span's rows with one
        // range in SQL, and bodies outside the batch are never looked up.
        if (uids.Ranges.Count > 32) uids = UidSet.Range(summaries[start].Uid, summaries[start + count - 1].Uid);
        var bodies = new Dictionary<uint, MessageBody>(count);
        await foreach (var (uid, body) in view.OpenMessagesAsync(uids, ct)) bodies[uid] = body;
        return bodies;
    }

    /// <summary>Ascending UIDs as ranges of consecutive ones (a gap-free mailbox is one range).</summary>
    private static UidSet Compact(IEnumerable<uint> ascending)
    {
        var ranges = new List<(uint First, uint Last)>();
        foreach (var u in ascending)
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == u) ranges[^1] = (ranges[^1].First, u);
            else ranges.Add((u, u));
        }
        return new UidSet(ranges);
    }
}
