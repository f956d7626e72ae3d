using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// Whole-mailbox reads (FETCH 1:* BODY[…], SEARCH HEADER/BODY/TEXT) take the messages' bodies (or header blocks) from
/// the store a batch at a time (<see cref="IMailboxView.OpenMessagesAsync"/>: one lookup for many messages instead of one each); a batch
/// is bounded so that a FETCH over a huge mailbox holds only a batch's worth of bodies, not one per message.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>Messages per batch.</summary>
    private const int BodyBatch = 1000;

    /// <summary>The bodies of the batch of <paramref name="summaries"/> (ascending UIDs) from <paramref name="start"/>, by UID; an expunged one is missing.</summary>
    private static async Task<Dictionary<uint, MessageBody>> BodiesAsync(IMailboxView view, IReadOnlyList<MessageSummary> summaries, int start, CancellationToken ct)
    {
        var bodies = new Dictionary<uint, MessageBody>(BodyBatch);
        await foreach (var (uid, body) in view.OpenMessagesAsync(BatchUids(summaries, start), ct)) bodies[uid] = body;
        return bodies;
    }

    /// <summary>
    /// The header blocks of the same batch (<see cref="IMailboxView.ReadHeadersAsync"/>: the store's header cache, no
    /// message file opened), by UID; a UID missing (expunged, or a header too long to be given) is read from its message.
    /// </summary>
    private static async Task<Dictionary<uint, ReadOnlyMemory<byte>>> HeaderBlocksAsync(IMailboxView view, IReadOnlyList<MessageSummary> summaries, int start, CancellationToken ct)
    {
        var headers = new Dictionary<uint, ReadOnlyMemory<byte>>(BodyBatch);
        await foreach (var (uid, header) in view.ReadHeadersAsync(BatchUids(summaries, start), ct)) headers[uid] = header;
        return headers;
    }

    private static UidSet BatchUids(IReadOnlyList<MessageSummary> summaries, int start)
    {
        var count = Math.Min(BodyBatch, summaries.Count - start);
        var uids = Compact(summaries.Skip(start).Take(count).Select(m => m.Uid));
        // A sparse batch (a long sequence set) is asked for as its span: the store reads the span's rows with one
        // range in SQL, and messages outside the batch are never looked up.
        return uids.Ranges.Count > 32 ? UidSet.Range(summaries[start].Uid, summaries[start + count - 1].Uid) : uids;
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
