using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Plugins;
using Kernel.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// The delivery pipeline's claim loop (design.md "How a message flows" step 3–4). Each pass runs the stages in turn —
/// <see cref="RoutingStage"/> (routing, groups, local delivery with <see cref="LocalDeliveryStage"/> and
/// <see cref="RuleActionStage"/>), <see cref="DsnStage"/>, <see cref="ExpiryStage"/> and <see cref="RemoteDispatchStage"/> —
/// over <see cref="IQueueBackend"/>, so no stage knows the storage. A commit wakes it at once; a slow poll catches work
/// queued by other processes (the CLI) and retries that come due.
/// </summary>
public sealed class DeliveryWorker : IHostedService, IAsyncDisposable
{
    private readonly IQueueBackend _queue;
    private readonly ILogger<DeliveryWorker> _logger;
    private readonly TransportDeliveries? _transportDeliveries;
    private readonly RoutingStage _routing;
    private readonly DsnStage _dsns;
    private readonly ExpiryStage _expiry;
    private readonly RemoteDispatchStage _remote;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private CancellationTokenSource _stopping = new();
    private CancellationTokenSource _hardStop = new();
    private Task? _loop;

    public DeliveryWorker(SqliteMessageQueue queue, IKernelExtensions extensions, ILocalDelivery localDelivery, IAccountStore accounts,
        IMessageFactory messageFactory, IMessageBus bus, ILogger<DeliveryWorker> logger, IMailboxRightsLookup? rights = null,
        TransportDeliveries? transportDeliveries = null)
    {
        _queue = queue;
        _logger = logger;
        _transportDeliveries = transportDeliveries;
        Id = WorkerName.ForThisProcess().ToString();
        var actions = new RuleActionStage(_queue, accounts, messageFactory, logger);
        var local = new LocalDeliveryStage(_queue, extensions, localDelivery, rights, actions, logger);
        _routing = new RoutingStage(_queue, extensions, accounts, local, actions, bus, logger, Id);
        _dsns = new DsnStage(_queue, messageFactory, logger);
        _expiry = new ExpiryStage(_queue, logger);
        _remote = new RemoteDispatchStage(_queue, extensions, logger, Id);
    }

    /// <summary>This worker's lease-holder name (unique per instance, so a restarted worker never mistakes old leases for its own).</summary>
    public string Id { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null) throw new InvalidOperationException("the delivery worker is already running");
        _stopping = new CancellationTokenSource();
        _hardStop = new CancellationTokenSource();
        _queue.WorkArrived += Signal;
        _expiry.Reset();
        _transportDeliveries?.Register(_remote.WaitForDeliveriesAsync);
        _loop = Task.Run(RunAsync, CancellationToken.None);
        _logger.LogInformation("delivery worker {Worker} started", Id);
        return Task.CompletedTask;
    }

    /// <summary>Stops taking work and waits for the batch and deliveries in flight; at the deadline (<paramref name="cancellationToken"/>) it cancels them (their leases expire and the work is retried).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null) return;
        _queue.WorkArrived -= Signal;
        await _stopping.CancelAsync();
        Signal();
        Task[] all = [.. _remote.InFlight(), _loop];
        try
        {
            await Task.WhenAll(all).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("delivery worker {Worker}: in-flight work did not finish before the deadline; cancelling it", Id);
            await _hardStop.CancelAsync();
            try { await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None); }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
        }
        _transportDeliveries?.Register(null);
        _loop = null;
        _logger.LogInformation("delivery worker {Worker} stopped", Id);
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await StopAsync(deadline.Token);
        _stopping.Dispose();
        _hardStop.Dispose();
    }

    private void Signal()
    {
        if (_signal.CurrentCount > 0) return;
        try { _signal.Release(); } catch (SemaphoreFullException) { }
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        var hard = _hardStop.Token;
        await TakeOverFromCrashedWorkersAsync();
        while (!stopping.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy |= await _routing.RunAsync(Signal, hard);
                busy |= await _dsns.RunAsync(hard);
                busy |= await _expiry.RunIfDueAsync(hard);
                await _remote.StartDueAsync(Signal, stopping, hard);
            }
            catch (OperationCanceledException) when (hard.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A store failure (disk full, database locked past its timeout): log, back off one poll, try again.
                _logger.LogError(e, "delivery worker {Worker}: pass failed", Id);
                busy = false;
            }
            if (busy) continue;
            try
            {
                await _signal.WaitAsync(await NextWaitAsync(), stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A server killed mid-batch leaves its routing and queue leases behind (up to <see cref="QueueOptions.RoutingLease"/>
    /// and <see cref="QueueOptions.DeliveryLease"/>). When the holder was a worker of a process on this machine that no
    /// longer runs, its leases end now, so a restarted server delivers that mail at once (issue 3 §8).
    /// </summary>
    private async Task TakeOverFromCrashedWorkersAsync()
    {
        try
        {
            foreach (var holder in await _queue.LeaseHoldersAsync())
            {
                if (WorkerName.TryParse(holder) is not { } name || !name.IsGone()) continue;
                var (messages, queues) = await _queue.ReleaseLeasesOfAsync(holder);
                _logger.LogWarning("delivery worker {Worker}: took over {Messages} messages and {Queues} target queues from worker {Crashed}, whose process is gone",
                    Id, messages, queues, holder);
            }
        }
        catch (Exception e)
        {
            // Not fatal: the leases still expire on their own.
            _logger.LogError(e, "delivery worker {Worker}: could not take over leases of crashed workers", Id);
        }
    }

    private async Task<TimeSpan> NextWaitAsync()
    {
        var poll = _queue.Options.PollInterval;
        var next = await _queue.NextWakeUpAsync();
        var now = _queue.Now;
        if (next is null || next <= now) return poll;
        // Compared in milliseconds first: a parked message's "never" is no TimeSpan.
        return next.Value - now < (long)poll.TotalMilliseconds ? TimeSpan.FromMilliseconds(next.Value - now) : poll;
    }
}
