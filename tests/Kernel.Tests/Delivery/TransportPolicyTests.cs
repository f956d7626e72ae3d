using Kernel.Abstractions;
using Kernel.Delivery;
using Kernel.Plugins;
using Kernel.Queue;
using Kernel.Tests.Queue;
using Kernel.Tests.Queue.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Delivery;

/// <summary>Issue 9 §2: transport calls under the plugin policy, and a transport plugin's unload waits for its deliveries in flight.</summary>
public sealed class TransportPolicyTests
{
    [Fact]
    public async Task A_transport_that_ignores_its_token_is_cut_off_at_the_deadline_as_a_temporary_failure()
    {
        await using var h = new QueueHarness(options: new QueueOptions { PollInterval = TimeSpan.FromMilliseconds(50), TransportTimeout = TimeSpan.FromMilliseconds(200), ServerName = "mx.test.dom" });
        var never = new TaskCompletionSource<IReadOnlyList<RecipientOutcome>>();
        h.Extensions.AddTransport(new GatedTransport(never.Task));
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("stuck"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0] is { Attempts: 1, State: RecipientState.Waiting } r
            && r.LastError!.Contains("did not answer"), "temporary failure after the deadline");
        never.SetResult([]);
    }

    [Fact]
    public async Task Unloading_a_transport_waits_for_its_delivery_in_flight_and_starts_no_new_one()
    {
        await using var h = new QueueHarness();
        var gate = new TaskCompletionSource<IReadOnlyList<RecipientOutcome>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new GatedTransport(gate.Task);
        h.Extensions.AddTransport(transport);
        var deliveries = new TransportDeliveries();
        await using var worker = new DeliveryWorker(h.Queue, h.Extensions, h.Local, h.Accounts, h.Factory, h.Bus, NullLogger<DeliveryWorker>.Instance,
            transportDeliveries: deliveries);
        await worker.StartAsync(CancellationToken.None);
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("in flight"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => transport.Calls == 1, "delivery started");

        var wait = deliveries.WaitForDeliveriesAsync([transport], CancellationToken.None);
        await Task.Delay(200);
        Assert.False(wait.IsCompleted); // the delivery is still in flight
        var later = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "carol@other.dom"), QueueHarness.Body("later"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(later).Result!.Recipients[0].State == RecipientState.Waiting, "second message routed");
        await Task.Delay(300); // several passes of the worker
        Assert.Equal(1, transport.Calls); // nothing new went to the closing transport while the host waited
        gate.SetResult([new RecipientOutcome("bob@remote.dom", DeliveryOutcome.Delivered, "2.0.0", "250 ok", "mx.remote")]);
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(await h.Queue.GetAsync(id)); // it finished, and was recorded, before the unload went on
    }

    [Fact]
    public async Task The_unload_wait_is_bounded_by_the_hosts_deadline()
    {
        await using var h = new QueueHarness();
        var gate = new TaskCompletionSource<IReadOnlyList<RecipientOutcome>>();
        var transport = new GatedTransport(gate.Task);
        h.Extensions.AddTransport(transport);
        var deliveries = new TransportDeliveries();
        await using var worker = new DeliveryWorker(h.Queue, h.Extensions, h.Local, h.Accounts, h.Factory, h.Bus, NullLogger<DeliveryWorker>.Instance,
            transportDeliveries: deliveries);
        await worker.StartAsync(CancellationToken.None);
        await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("stuck"));
        await QueueHarness.WaitUntilAsync(() => transport.Calls == 1, "delivery started");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => deliveries.WaitForDeliveriesAsync([transport], deadline.Token));
        gate.SetResult([]);
    }

    private sealed class GatedTransport(Task<IReadOnlyList<RecipientOutcome>> answer) : IMailTransport
    {
        public int Calls;

        public string Name => "SMTP";

        public Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return answer; // ignores its token on purpose
        }
    }
}
