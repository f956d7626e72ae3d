using Imap.Protocol;
using Imap.Session;

namespace Imap.Tests.Session;

public sealed class QresyncMatchTests
{
    private static SequenceSet Set(string text) => SequenceSet.TryParse(text, out var set) ? set! : throw new ArgumentException(text);

    [Fact]
    public void The_highest_matching_pair_bounds_what_may_have_vanished()
    {
        // The client knew 1→10, 5→50, 9→90; since then UID 60 was expunged: 9 is now 100, 5 is still 50.
        var current = new UidMap([10, 20, 30, 40, 50, 70, 80, 90, 100]);
        Assert.Equal(51u, QresyncMatch.LowestUnsure(Set("1,5,9"), Set("10,50,90"), current));
        // Nothing matches (an expunge below 10): every tombstone counts.
        Assert.Equal(1u, QresyncMatch.LowestUnsure(Set("1"), Set("5"), current));
        Assert.Equal(101u, QresyncMatch.LowestUnsure(Set("1:2,9"), Set("10,20,100"), current));
    }

    [Fact]
    public void Unpaired_data_is_BAD() =>
        Assert.Throws<ImapParseException>(() => QresyncMatch.LowestUnsure(Set("1:3"), Set("10,20"), new UidMap([10, 20, 30])));
}
