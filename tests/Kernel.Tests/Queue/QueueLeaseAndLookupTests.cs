using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Tests.Queue.Fakes;

namespace Kernel.Tests.Queue;

/// <summary>Issue 7 §2: renewing an ATRN lease, and finding the queue a domain's mail waits in (ETRN/ATRN).</summary>
public sealed class QueueLeaseAndLookupTests
{
    [Fact]
    public async Task A_lease_renewed_past_its_first_expiry_is_not_taken_by_another_holder()
    {
        await using var h = new QueueHarness();
        await using var a = await h.Queue.LeaseQueueAsync("held.dom", "atrn-a", TimeSpan.FromMinutes(1));
        Assert.NotNull(a);
        h.Time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(await a.RenewAsync(TimeSpan.FromMinutes(5))); // a slow transfer asks for more time
        h.Time.Advance(TimeSpan.FromMinutes(2));                  // well past the first expiry
        Assert.Null(await h.Queue.LeaseQueueAsync("held.dom", "atrn-b", TimeSpan.FromMinutes(1)));
        Assert.Null(await a.NextAsync()); // still the holder (the queue is empty); this renews again for 5 minutes
        h.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(await h.Queue.LeaseQueueAsync("held.dom", "atrn-b", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Renewing_a_lease_that_another_holder_took_says_false()
    {
        await using var h = new QueueHarness();
        await using var a = await h.Queue.LeaseQueueAsync("held.dom", "atrn-a", TimeSpan.FromMinutes(1));
        h.Time.Advance(TimeSpan.FromSeconds(61));
        await using var b = await h.Queue.LeaseQueueAsync("held.dom", "atrn-b", TimeSpan.FromMinutes(1));
        Assert.NotNull(b);
        Assert.False(await a!.RenewAsync(TimeSpan.FromMinutes(1)));
        Assert.True(await b.RenewAsync(TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => b.RenewAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task Two_domains_routed_into_one_held_queue_find_that_queue()
    {
        await using var h = new QueueHarness();
        // smtp.md §10: domain1.dom and domain2.dom are both held for the customer in queue "domain1.dom".
        ((FakeRouter)h.Extensions.Router).Override = address =>
        {
            var domain = address[(address.LastIndexOf('@') + 1)..];
            return domain is "domain1.dom" or "domain2.dom"
                ? new RouteResult.Remote("SMTP", "domain1.dom", "domain1.dom", null, false, false, address, Held: true)
                : null;
        };
        Assert.Equal("domain1.dom", await h.Queue.FindQueueForDomainAsync("domain1.dom"));
        Assert.Equal("domain1.dom", await h.Queue.FindQueueForDomainAsync("domain2.dom"));
        Assert.Equal("remote.dom", await h.Queue.FindQueueForDomainAsync("remote.dom"));
        Assert.Null(await h.Queue.FindQueueForDomainAsync("test.dom")); // local
        await Assert.ThrowsAsync<ArgumentException>(() => h.Queue.FindQueueForDomainAsync(" "));

        // The answer is the queue the delivery pipeline files the mail under.
        await h.StartWorkerAsync();
        var one = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "x@domain1.dom"), QueueHarness.Body("one"))).QueueId!;
        var two = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "y@domain2.dom"), QueueHarness.Body("two"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.ListAsync("domain1.dom").Result.Count == 2, "both messages held in domain1.dom");
        Assert.All(await h.Queue.ListAsync("domain1.dom"), e => Assert.Equal(RecipientState.Held, e.Recipients.Single().State));
        Assert.Equal([one, two], (await h.Queue.ListAsync(await h.Queue.FindQueueForDomainAsync("domain2.dom"))).Select(e => e.Id));
    }

    [Fact]
    public async Task A_refused_or_discarded_domain_has_no_queue()
    {
        await using var h = new QueueHarness();
        ((FakeRouter)h.Extensions.Router).Override = address => address.EndsWith("@refused.dom", StringComparison.Ordinal)
            ? new RouteResult.Reject(RejectReason.Blocked, "5.7.1", "relaying denied")
            : address.EndsWith("@void.dom", StringComparison.Ordinal) ? new RouteResult.Discard() : null;
        Assert.Null(await h.Queue.FindQueueForDomainAsync("refused.dom"));
        Assert.Null(await h.Queue.FindQueueForDomainAsync("void.dom"));
    }

    /// <summary>
    /// Issue 9 §2: the lookup calls the router under the plugin policy's deadline. A router that hangs or throws is a
    /// clear failure (InvalidOperationException) the caller turns into a temporary reply (ETRN 458), never a null,
    /// which would mean "no such queue".
    /// </summary>
    [Fact]
    public async Task A_hanging_or_throwing_router_is_a_clear_failure_not_a_missing_queue()
    {
        await using var h = new QueueHarness(options: new QueueOptions { PollInterval = TimeSpan.FromMilliseconds(50), RouterTimeout = TimeSpan.FromMilliseconds(200), ServerName = "mx.test.dom" });
        var mode = "hang";
        h.Extensions.Router = new TroubledRouter((FakeRouter)h.Extensions.Router, () => mode);

        var hung = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Queue.FindQueueForDomainAsync("remote.dom"));
        Assert.Equal("router did not answer within 0.2 s", hung.Message);

        mode = "throw";
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Queue.FindQueueForDomainAsync("remote.dom"));
        Assert.Equal("router failed: directory down", failed.Message);
        Assert.IsType<IOException>(failed.InnerException);

        // The caller's own cancellation stays a cancellation.
        mode = "hang";
        using var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Queue.FindQueueForDomainAsync("remote.dom", cancelled.Token));

        mode = "ok";
        Assert.Equal("remote.dom", await h.Queue.FindQueueForDomainAsync("remote.dom"));
    }

    private sealed class TroubledRouter(FakeRouter inner, Func<string> mode) : IAddressRouter
    {
        public async ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
        {
            switch (mode())
            {
                case "hang":
                    await Task.Delay(Timeout.Infinite, CancellationToken.None); // ignores its token on purpose
                    break;
                case "throw":
                    throw new IOException("directory down");
            }
            return await inner.RouteAsync(request, cancellationToken);
        }
    }
}
