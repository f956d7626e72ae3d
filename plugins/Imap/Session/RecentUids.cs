namespace Imap.Session;

/// <summary>
/// The UIDs one session holds as <c>\Recent</c> (RFC 3501 §2.3.2), as ranges: each claim (<see cref="Kernel.Abstractions.IMailboxView.ClaimRecentAsync"/>)
/// adds one, so a session keeps a few ranges whatever the mailbox size.
/// </summary>
internal sealed class RecentUids
{
    private readonly List<(uint From, uint To)> _ranges = [];

    /// <summary>Adds the UIDs above <paramref name="after"/> up to <paramref name="upTo"/>.</summary>
    public void Add(uint after, uint upTo)
    {
        if (upTo > after) _ranges.Add((after + 1, upTo));
    }

    public bool Contains(uint uid)
    {
        foreach (var (from, to) in _ranges)
            if (uid >= from && uid <= to) return true;
        return false;
    }

    /// <summary>How many of <paramref name="uids"/> (ascending: the session's sequence map) are recent.</summary>
    public int CountIn(UidMap uids)
    {
        var n = 0;
        foreach (var (from, to) in _ranges)
        {
            var start = uids.BinarySearch(from);
            var end = uids.BinarySearch(to);
            n += (end < 0 ? ~end : end + 1) - (start < 0 ? ~start : start);
        }
        return n;
    }
}
