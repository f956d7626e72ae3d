using Kernel.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// \Recent's mark in the store (<see cref="IMailboxView.ClaimRecentAsync"/>, migration 014): a claim raises it and
/// returns the previous mark, a look (EXAMINE, STATUS) does not move it, it never goes down, and concurrent claims
/// each get their own messages — no message is recent for two sessions.
/// </summary>
public sealed class RecentMarkTests : IDisposable
{
    private static readonly Principal Bob = U("bob");

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task A_claim_raises_the_mark_a_look_does_not_and_it_never_goes_down()
    {
        await using var view = await _bed.Store.OpenAsync(Bob, "INBOX");
        Assert.Equal(0u, await view.ClaimRecentAsync(5, claim: false));
        Assert.Equal(0u, await view.ClaimRecentAsync(5, claim: true)); // UIDs 1-5 are this caller's
        Assert.Equal(5u, await view.ClaimRecentAsync(0, claim: false));
        Assert.Equal(5u, await view.ClaimRecentAsync(3, claim: true)); // lower: nothing claimed, mark stays
        Assert.Equal(5u, await view.ClaimRecentAsync(8, claim: true)); // 6-8
        await using var other = await _bed.Store.OpenAsync(Bob, "inbox");
        Assert.Equal(8u, await other.ClaimRecentAsync(8, claim: true)); // nothing left for a second session
    }

    [Fact]
    public async Task Concurrent_claims_split_the_messages()
    {
        var views = new List<IMailboxView>();
        for (var i = 0; i < 8; i++) views.Add(await _bed.Store.OpenAsync(Bob, "INBOX"));
        try
        {
            // each claims up to a different UID at the same moment; what each gets is (previous, upTo]
            var claims = await Task.WhenAll(views.Select(async (v, i) => (Previous: await v.ClaimRecentAsync((uint)(10 * (i + 1)), claim: true), UpTo: (uint)(10 * (i + 1)))));
            var got = claims.SelectMany(c => Enumerable.Range((int)c.Previous + 1, (int)Math.Max(0, (long)c.UpTo - c.Previous))).ToList();
            Assert.Equal(Enumerable.Range(1, 80), got.Order());
            Assert.Equal(80u, await views[0].ClaimRecentAsync(0, claim: false));
        }
        finally
        {
            foreach (var v in views) await v.DisposeAsync();
        }
    }
}
