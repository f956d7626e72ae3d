using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// Remote delivery (design.md step 4): leases due target queues and drains each through its <see cref="IMailTransport"/>,
/// up to <see cref="QueueOptions.ParallelQueues"/> at once, each with up to <see cref="QueueOptions.DeliveriesPerQueue"/>
/// messages in flight (one message after another per queue left the transport's other connections idle). A drain whose
/// queue runs dry waits up to <see cref="QueueOptions.DrainLinger"/> for the next routing pass to bring it more before it
/// ends its lease (under steady intake, ending at every empty page cost a lease, its end and a new pass each time), unless
/// another due queue is waiting for its slot. Every transport call runs under <see cref="PluginCallPolicy"/>; the drains
/// are counted per transport instance so a plugin being unloaded can wait for its deliveries in flight.
/// </summary>
internal sealed class RemoteDispatchStage(IQueueBackend queue, IKernelExtensions extensions, ILogger logger, string worker)
{
    private readonly Dictionary<string, (Task Task, IMailTransport Transport)> _drains = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<IMailTransport> _closing = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();
    // Completed (and replaced) at each pass of the worker and when a transport starts closing: lingering drains look again.
    private TaskCompletionSource _pass = NewPass();
    private long _passes;
    // A due queue found no free slot in the last pass: lingering drains give theirs up.
    private volatile bool _starved;

    private static TaskCompletionSource NewPass() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void WakeLingering()
    {
        Interlocked.Increment(ref _passes);
        Interlocked.Exchange(ref _pass, NewPass()).TrySetResult();
    }

    private QueueOptions Options => queue.Options;

    public Task[] InFlight()
    {
        lock (_gate) return [.. _drains.Values.Select(d => d.Task)];
    }

    /// <summary>Starts a drain for each due queue with a transport, while fewer than the limit run. <paramref name="finished"/> is called as each drain ends.</summary>
    public async Task StartDueAsync(Action finished, CancellationToken stopping, CancellationToken hard)
    {
        // This pass may have routed more mail into the queues being drained.
        WakeLingering();
        lock (_gate)
        {
            if (_drains.Count >= Options.ParallelQueues) return;
        }
        var now = queue.Now;
        var due = await queue.DueQueuesAsync(now, Options.ParallelQueues * 4);
        foreach (var (name, target) in due)
        {
            lock (_gate)
            {
                if (_drains.ContainsKey(name)) continue;
                if (_drains.Count >= Options.ParallelQueues)
                {
                    _starved = true;
                    WakeLingering();
                    return;
                }
            }
            var transportName = QueueJson.ReadRemote(target).Transport;
            var transport = extensions.MailTransports.FirstOrDefault(t => t.Name.Equals(transportName, StringComparison.OrdinalIgnoreCase));
            if (transport is null) continue; // stays queued until a plugin supplies that transport
            lock (_gate)
            {
                if (_closing.Contains(transport)) continue; // its plugin is being unloaded
            }
            var lease = await queue.LeaseForDeliveryAsync(name, worker, Options.DeliveryLease, hard);
            if (lease is null) continue;
            lock (_gate) _drains[name] = (Task.Run(() => DrainAsync(lease, transport, finished, stopping, hard), CancellationToken.None), transport);
        }
        _starved = false;
    }

    /// <summary>
    /// No new deliveries through these transports; waits until the drains using them have finished their current
    /// message (the caller's token bounds the wait: at its deadline the host unloads anyway).
    /// </summary>
    public async Task WaitForDeliveriesAsync(IReadOnlyCollection<IMailTransport> transports, CancellationToken cancellationToken)
    {
        Task[] running;
        lock (_gate)
        {
            foreach (var t in transports) _closing.Add(t);
            WakeLingering();
            running = _drains.Values.Where(d => transports.Contains(d.Transport, ReferenceEqualityComparer.Instance)).Select(d => d.Task).ToArray();
        }
        try
        {
            if (running.Length > 0)
            {
                logger.LogInformation("waiting for {Count} deliveries in flight through the transports being unloaded", running.Length);
                await Task.WhenAll(running).WaitAsync(cancellationToken);
            }
        }
        finally
        {
            // The references go, so the plugin's load context can be collected.
            lock (_gate) foreach (var t in transports) _closing.Remove(t);
        }
    }

    private bool Closing(IMailTransport transport)
    {
        lock (_gate) return _closing.Contains(transport);
    }

    /// <summary>One of a lease's delivery loops: takes the queue's next message until none is due or the drain must stop.</summary>
    private async Task DeliverFromAsync(IDeliveryLease lease, DryMark dry, IMailTransport transport, CancellationToken stopping, CancellationToken hard)
    {
        long? dryFrom = null;
        while (!stopping.IsCancellationRequested && !Closing(transport))
        {
            // Taken before looking, so a pass that routes more after the look is not missed.
            var passNumber = Interlocked.Read(ref _passes);
            var pass = Volatile.Read(ref _pass).Task;
            // One look per lease per pass: when another of its loops found the queue dry since this pass began, wait.
            var message = Interlocked.Read(ref dry.Pass) >= passNumber ? null : await lease.NextAsync(hard);
            if (message is null)
            {
                InterlockedMax(ref dry.Pass, passNumber);
                dryFrom ??= Environment.TickCount64;
                var left = Options.DrainLinger - TimeSpan.FromMilliseconds(Environment.TickCount64 - dryFrom.Value);
                if (_starved || left <= TimeSpan.Zero) return;
                try
                {
                    await pass.WaitAsync(left, stopping);
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            dryFrom = null;
            var call = await PluginCallPolicy.RunAsync($"transport {transport.Name}", ct => transport.DeliverAsync(message, ct), Options.TransportTimeout, hard);
            if (call.Succeeded)
            {
                await lease.CompleteAsync(message, call.Value!, hard);
                continue;
            }
            // IMailTransport contract: an exception or timeout is a temporary failure for every recipient; one
            // that keeps happening parks them, as for the router and rules (Parking.cs).
            logger.LogWarning(call.Exception, "transport {Transport} failed on message {QueueId} for queue {Queue}: {Reason}", transport.Name, message.QueueId, lease.Queue, call.Failure);
            await lease.PluginFailedAsync(message, call.Failure!, hard);
        }
    }

    private async Task DrainAsync(IDeliveryLease lease, IMailTransport transport, Action finished, CancellationToken stopping, CancellationToken hard)
    {
        try
        {
            await using (lease)
            {
                var dry = new DryMark();
                await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Options.DeliveriesPerQueue)).Select(_ => DeliverFromAsync(lease, dry, transport, stopping, hard)));
            }
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested)
        {
            // Stopped at the deadline: the lease ends or expires and the messages are still queued.
        }
        catch (Exception e)
        {
            logger.LogError(e, "delivery of queue {Queue} failed", lease.Queue);
        }
        finally
        {
            lock (_gate) _drains.Remove(lease.Queue);
            finished();
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    /// <summary>The last worker pass after which one of a lease's delivery loops found its queue dry (-1: none yet).</summary>
    private sealed class DryMark
    {
        public long Pass = -1;
    }
}
