using Kernel.Abstractions;
using Kernel.Delivery;
using Kernel.Mailboxes;
using Kernel.Tests.Queue;
using Kernel.Tests.Queue.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Durability;

/// <summary>
/// Exactly-once for rule-made messages (issue 12, 010_generated_keys.sql): an account's rules mirror and auto-reply,
/// then local delivery fails as if the process died before the queue recorded the recipient. Routed again, the rules run
/// again, but the copy and the reply already queued the first time are not queued a second time.
/// </summary>
public sealed class GeneratedMessageKeyTests
{
    [Fact]
    public async Task Copies_and_replies_made_before_a_failed_routing_pass_are_not_made_again()
    {
        await using var h = new QueueHarness();
        var evaluations = 0;
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Delivery = (_, account, _) => Task.FromResult(account.Name == "alice" && Interlocked.Increment(ref evaluations) > 0
                ? RuleOutcome.Continue with
                {
                    Sends = [new OutboundCopy("carol@remote.dom", OutboundCopyMode.Mirror), new OutboundCopy("dan@remote.dom", OutboundCopyMode.Forward)],
                    Replies = [new ReplyRequest("eve@remote.dom", "alice@test.dom", "hi", "away")],
                }
                : RuleOutcome.Continue),
        };
        var local = new FailFirst(h.Local);
        await using var worker = new DeliveryWorker(h.Queue, h.Extensions, local, h.Accounts, h.Factory, h.Bus, NullLogger<DeliveryWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);

        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("eve@remote.dom", "alice@test.dom"), QueueHarness.Body("hi"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => local.Calls >= 1 && h.Queue.GetAsync(id).Result?.Recipients.All(r => r.LastError is not null) == true, "first pass failed after the copies were queued");
        h.Time.Advance(h.Options.RoutingRetry + TimeSpan.FromSeconds(1));
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "delivered on the second pass");

        Assert.Equal(2, evaluations); // the rules ran on both passes
        var queued = (await h.Queue.ListAsync(null))!;
        int To(string address) => queued.Count(m => m.Recipients.Any(r => r.Address == address));
        Assert.Equal(1, To("carol@remote.dom"));
        Assert.Equal(1, To("dan@remote.dom"));
        Assert.Equal(1, To("eve@remote.dom"));
        Assert.Single(h.Local.Appended, a => a.Owner.Name == "alice");
    }

    /// <summary>The first append call fails as a crash between the copies and the queue update would; later calls go through.</summary>
    private sealed class FailFirst(ILocalDelivery inner) : ILocalDelivery
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new IOException("simulated crash after the rule copies were queued")
                : inner.DeliverAsync(items, cancellationToken);
    }
}
