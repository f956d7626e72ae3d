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

    /// <summary>The bodies of the batch of <paramref name="uids"/> (ascending) from <paramref name="start"/>, by UID; an expunged one is missing.</summary>
    private static Task<Dictionary<uint, MessageBody>> BodiesAsync(IMailboxView view, IReadOnlyList<uint> uids, int start, CancellationToken ct) =>
        ByUidAsync(view.OpenMessagesAsync(BatchUids(uids, start), ct));

    /// <summary>
    /// The header blocks of the same batch (<see cref="IMailboxView.ReadHeadersAsync"/>: the store's header cache, no
    /// message file opened), by UID; a UID missing (expunged, or a header too long to be given) is read from its message.
    /// </summary>
    private static Task<Dictionary<uint, ReadOnlyMemory<byte>>> HeaderBlocksAsync(IMailboxView view, IReadOnlyList<uint> uids, int start, CancellationToken ct) =>
        ByUidAsync(view.ReadHeadersAsync(BatchUids(uids, start), ct));

    /// <summary>The structures of the same batch (<see cref="IMailboxView.GetStructuresAsync"/>), by UID; an expunged one is missing.</summary>
    private static Task<Dictionary<uint, MessageStructure>> StructuresAsync(IMailboxView view, IReadOnlyList<uint> uids, int start, CancellationToken ct) =>
        ByUidAsync(view.GetStructuresAsync(BatchUids(uids, start), ct));

    private static async Task<Dictionary<uint, T>> ByUidAsync<T>(IAsyncEnumerable<(uint Uid, T Item)> items)
    {
        var byUid = new Dictionary<uint, T>(BodyBatch);
        await foreach (var (uid, item) in items) byUid[uid] = item;
        return byUid;
    }

    private static UidSet BatchUids(IReadOnlyList<uint> uids, int start)
    {
        var count = Math.Min(BodyBatch, uids.Count - start);
        var batch = Compact(uids.Skip(start).Take(count));
        // A sparse batch (a long sequence set) is asked for as its span: the store reads the span's rows with one
        // range in SQL, and messages outside the batch are never looked up.
        return batch.Ranges.Count > 32 ? UidSet.Range(uids[start], uids[start + count - 1]) : batch;
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
