using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// Remote delivery (design.md step 4): leases due target queues and drains each through its <see cref="IMailTransport"/>,
/// up to <see cref="QueueOptions.ParallelQueues"/> at once, each with up to <see cref="QueueOptions.DeliveriesPerQueue"/>
/// messages in flight (one message after another per queue left the transport's other connections idle). Every transport call runs under <see cref="PluginCallPolicy"/>;
/// the drains are counted per transport instance so a plugin being unloaded can wait for its deliveries in flight.
/// </summary>
internal sealed class RemoteDispatchStage(IQueueBackend queue, IKernelExtensions extensions, ILogger logger, string worker)
{
    private readonly Dictionary<string, (Task Task, IMailTransport Transport)> _drains = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<IMailTransport> _closing = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();

    private QueueOptions Options => queue.Options;

    public Task[] InFlight()
    {
        lock (_gate) return [.. _drains.Values.Select(d => d.Task)];
    }

    /// <summary>Starts a drain for each due queue with a transport, while fewer than the limit run. <paramref name="finished"/> is called as each drain ends.</summary>
    public async Task StartDueAsync(Action finished, CancellationToken stopping, CancellationToken hard)
    {
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
                if (_drains.Count >= Options.ParallelQueues) return;
                if (_drains.ContainsKey(name)) continue;
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
    private async Task DeliverFromAsync(IDeliveryLease lease, IMailTransport transport, CancellationToken stopping, CancellationToken hard)
    {
        while (!stopping.IsCancellationRequested && !Closing(transport))
        {
            var message = await lease.NextAsync(hard);
            if (message is null) return;
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
                await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Options.DeliveriesPerQueue)).Select(_ => DeliverFromAsync(lease, transport, stopping, hard)));
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
}
