using Imap.Session;

namespace Imap.Tests.Session;

public sealed class RecentTrackerTests
{
    [Fact]
    public void The_first_claim_gets_the_messages_and_later_ones_only_what_is_new()
    {
        var tracker = new RecentTracker();
        Assert.Equal(0u, tracker.Peek(7));
        Assert.Equal(0u, tracker.Claim(7, 5)); // UIDs 1..5 are recent for the first claimer
        Assert.Equal(5u, tracker.Claim(7, 5)); // nothing new for the second
        Assert.Equal(5u, tracker.Claim(7, 8)); // 6..8
        Assert.Equal(8u, tracker.Claim(7, 6)); // a stale view claims nothing
        Assert.Equal(0u, tracker.Peek(8));
    }

    [Fact]
    public void A_session_counts_its_recent_messages_still_in_the_mailbox()
    {
        var recent = new RecentUids();
        recent.Add(2, 5); // 3..5 claimed (4 is gone)
        recent.Add(7, 8);
        recent.Add(9, 9); // an empty claim
        Assert.Equal(3, recent.CountIn(new UidMap([1, 2, 3, 5, 8])));
        Assert.True(recent.Contains(5));
        Assert.False(recent.Contains(2));
        Assert.False(recent.Contains(9));
    }
}
