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

    private static QueueOptions ParkingOptions(int parkAfter, TimeSpan? parkAfterTime = null) => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50), TransportTimeout = TimeSpan.FromMilliseconds(200), ServerName = "mx.test.dom",
        ParkAfterFailures = parkAfter, ParkAfter = parkAfterTime ?? TimeSpan.FromHours(6),
    };

    private static async Task<QueueRecipient> WaitForAttemptAsync(QueueHarness h, string id, int attempt, Func<int> calls)
    {
        await QueueHarness.WaitUntilAsync(() => calls() == attempt && h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == attempt, $"attempt {attempt}");
        return (await h.Queue.GetAsync(id))!.Recipients[0];
    }

    /// <summary>Issue 9 §2: a transport plugin's failures follow the same policy as the router's: parked, not retried for days.</summary>
    [Fact]
    public async Task A_transport_that_keeps_throwing_parks_the_recipient_with_its_reason_and_retry_resumes_it()
    {
        await using var h = new QueueHarness(options: ParkingOptions(parkAfter: 3));
        var transport = new ScriptedTransport { Next = () => throw new InvalidOperationException("connection pool broken") };
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("park me"))).QueueId!;
        for (var i = 1; i <= 2; i++)
        {
            var r = await WaitForAttemptAsync(h, id, i, () => transport.Calls);
            Assert.NotNull(r.NextAttempt); // still on the back-off schedule
            Assert.Contains("connection pool broken", r.LastError);
            h.Time.Advance(h.Options.MaxRetry);
        }
        var parked = await WaitForAttemptAsync(h, id, 3, () => transport.Calls);
        Assert.Equal(RecipientState.Waiting, parked.State); // nothing is lost: still queued for its target
        Assert.Equal("remote.dom", parked.Queue);
        Assert.Null(parked.NextAttempt);
        Assert.StartsWith("parked after 3 failures: transport SMTP failed: connection pool broken", parked.LastError);
        Assert.Contains($"kernel queue retry {id}", parked.LastError);

        // Parked: the back-off schedule does not call the transport again.
        h.Time.Advance(TimeSpan.FromDays(1));
        await Task.Delay(300);
        Assert.Equal(3, transport.Calls);
        Assert.NotNull(await h.Queue.GetAsync(id));

        transport.Next = null; // the plugin works again
        Assert.True(await h.Queue.RetryAsync(id));
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "delivered after retry");
        Assert.Equal(4, transport.Calls);
        Assert.Empty(h.Factory.Dsns);
    }

    [Fact]
    public async Task A_transport_that_hangs_parks_the_recipient_once_its_failures_have_gone_on_for_ParkAfter()
    {
        await using var h = new QueueHarness(options: ParkingOptions(parkAfter: 100, parkAfterTime: TimeSpan.FromMinutes(90)));
        var never = new TaskCompletionSource<IReadOnlyList<RecipientOutcome>>();
        var transport = new ScriptedTransport { Next = () => never.Task };
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("hangs"))).QueueId!;
        for (var i = 1; i <= 2; i++)
        {
            var r = await WaitForAttemptAsync(h, id, i, () => transport.Calls);
            Assert.NotNull(r.NextAttempt);
            Assert.Contains("did not answer within", r.LastError);
            h.Time.Advance(h.Options.MaxRetry);
        }
        // The third failure comes two hours after the first: ParkAfter (90 min) has passed, far below 100 failures.
        var parked = await WaitForAttemptAsync(h, id, 3, () => transport.Calls);
        Assert.Null(parked.NextAttempt);
        Assert.StartsWith("parked after 3 failures: transport SMTP did not answer within 0.2 s", parked.LastError);

        // A parked recipient waits for the operator, not for expiry (5 days): no 5.4.7, no bounce.
        h.Time.Advance(TimeSpan.FromDays(6));
        await Task.Delay(300);
        var still = (await h.Queue.GetAsync(id))!.Recipients[0];
        Assert.Equal(RecipientState.Waiting, still.State);
        Assert.StartsWith("parked after 3", still.LastError);
        Assert.Equal(3, transport.Calls);
        Assert.Empty(h.Factory.Dsns);
        never.SetResult([]);
    }

    /// <summary>A remote server's 4xx is the normal back-off (smtp.md §12), never parking; and it ends a run of plugin failures.</summary>
    [Fact]
    public async Task A_remote_servers_temporary_replies_are_not_plugin_failures_and_break_a_run_of_them()
    {
        await using var h = new QueueHarness(options: ParkingOptions(parkAfter: 2));
        var throwing = () => Task.FromException<IReadOnlyList<RecipientOutcome>>(new IOException("socket factory failed"));
        var tryLater = () => Task.FromResult<IReadOnlyList<RecipientOutcome>>(
            [new RecipientOutcome("bob@remote.dom", DeliveryOutcome.TemporaryFailure, "4.2.0", "451 try later", "mx.remote")]);
        var transport = new ScriptedTransport { Next = tryLater };
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("4xx"))).QueueId!;
        var steps = new[] { tryLater, tryLater, tryLater, throwing, tryLater, throwing };
        for (var i = 1; i <= steps.Length; i++)
        {
            transport.Next = steps[i - 1];
            var r = await WaitForAttemptAsync(h, id, i, () => transport.Calls);
            Assert.NotNull(r.NextAttempt); // never two plugin failures in a row: never parked
            Assert.DoesNotContain("parked", r.LastError);
            h.Time.Advance(h.Options.MaxRetry);
        }
        transport.Next = throwing; // the second plugin failure in a row
        var parked = await WaitForAttemptAsync(h, id, 7, () => transport.Calls);
        Assert.StartsWith("parked after 2 failures: transport SMTP failed: socket factory failed", parked.LastError);
        Assert.Null(parked.NextAttempt);
    }

    /// <summary>A transport whose next answer a delegate gives (null: delivered); counts its calls.</summary>
    private sealed class ScriptedTransport : IMailTransport
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Func<Task<IReadOnlyList<RecipientOutcome>>>? Next { get; set; }

        public string Name => "SMTP";

        public Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Next?.Invoke() ?? Task.FromResult<IReadOnlyList<RecipientOutcome>>(
                message.Recipients.Select(r => new RecipientOutcome(r.Address, DeliveryOutcome.Delivered, "2.0.0", "250 ok", "mx.remote")).ToList());
        }
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
