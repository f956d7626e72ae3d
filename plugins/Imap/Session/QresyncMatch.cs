using Imap.Protocol;

namespace Imap.Session;

/// <summary>
/// RFC 7162 §3.2.5.2 sequence match data of <c>SELECT … (QRESYNC (v m known-uids (seqs uids)))</c>: pairs of a
/// message number and the UID the client holds for it. Where the mailbox still has that UID at that number, no
/// message with a lower UID was expunged (UIDs only grow), so VANISHED need not list UIDs below it.
/// </summary>
internal static class QresyncMatch
{
    /// <summary>
    /// The lowest UID whose expunge the client may not know of: one above the UID of the highest pair that still
    /// matches (1 when none does: every tombstone is reported).
    /// </summary>
    public static uint LowestUnsure(SequenceSet seqs, SequenceSet uids, UidMap current)
    {
        var numbers = Expand(seqs);
        var known = Expand(uids);
        if (numbers is null || known is null || numbers.Count != known.Count) throw new ImapParseException("Sequence match data must pair message numbers and UIDs");
        for (var i = numbers.Count - 1; i >= 0; i--)
        {
            var n = numbers[i];
            if (n >= 1 && n <= current.Count && current[(int)n - 1] == known[i]) return known[i] + 1;
        }
        return 1;
    }

    /// <summary>The set's values in the order given; null when it holds '*' or is absurdly large.</summary>
    private static List<uint>? Expand(SequenceSet set)
    {
        var values = new List<uint>();
        foreach (var (a, b) in set.Resolve(uint.MaxValue))
        {
            if (a == uint.MaxValue || b == uint.MaxValue || (long)b - a + values.Count > 100_000) return null;
            for (var v = a; v <= b; v++) values.Add(v);
        }
        return values;
    }
}
