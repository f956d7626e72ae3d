using System.Composition;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Smtp.Delivery;

/// <summary>
/// The client side after ATRN/TURN (RFC 2645 §5.3, smtp.md §9.2): on the connection the customer opened, wait for its
/// 220, EHLO (HELO on a 5xx), then deliver the held mail of each queue under an exclusive lease — renewed while it
/// runs — with the same transaction code as outbound delivery, and QUIT. Outcomes go back to the queue per recipient:
/// 2xx done, 4xx stays held, 5xx bounces.
/// </summary>
[Export(typeof(IQueueTurnaround))]
public sealed class QueueTurnaround : IQueueTurnaround
{
    private readonly IMessageQueue _queue;
    private readonly DeliverySettings _settings;
    private readonly ILogger _logger;

    [ImportingConstructor]
    public QueueTurnaround(IMessageQueue queue, IConfiguration configuration, ILoggerFactory loggers)
        : this(queue, DeliverySettings.From(configuration), loggers.CreateLogger<QueueTurnaround>())
    {
    }

    internal QueueTurnaround(IMessageQueue queue, DeliverySettings settings, ILogger logger)
    {
        _queue = queue;
        _settings = settings;
        _logger = logger;
    }

    public Task RunAsync(IConnection connection, IReadOnlyList<string> queues, CancellationToken cancellationToken) =>
        RunAsync(new TurnedConnectionChannel(connection), $"turnaround {connection.Id}", queues, cancellationToken);

    internal async Task RunAsync(ISmtpChannel channel, string holder, IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var remote = channel.RemoteEndPoint is System.Net.IPEndPoint ip ? ip.Address.ToString() : "turnaround";
        var session = new ClientSession(channel, _settings, remote);
        try
        {
            var greeting = await session.ReadGreetingAsync(_settings.TurnaroundGreetingTimeout, cancellationToken);
            if (greeting.Code != 220)
            {
                // smtp.md §9.2 (1): anything but 220 → QUIT, messages stay held.
                _logger.LogInformation("{Holder}: the customer greeted with {Reply}; nothing delivered", holder, greeting.Text);
                await session.QuitAsync(cancellationToken);
                return;
            }
            var hello = await session.HelloAsync(cancellationToken);
            if (!hello.IsPositive)
            {
                _logger.LogInformation("{Holder}: EHLO/HELO refused with {Reply}; nothing delivered", holder, hello.Text);
                await session.QuitAsync(cancellationToken);
                return;
            }
            foreach (var name in queues)
            {
                if (!session.Usable) break;
                await DrainAsync(session, name, holder, cancellationToken);
            }
            await session.QuitAsync(cancellationToken);
        }
        catch (IOException e)
        {
            _logger.LogInformation("{Holder}: connection ended: {Reason}", holder, e.Message);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    private async Task DrainAsync(ClientSession session, string queueName, string holder, CancellationToken cancellationToken)
    {
        await using var lease = await _queue.LeaseQueueAsync(queueName, holder, _settings.TurnaroundLease, cancellationToken);
        if (lease is null)
        {
            _logger.LogInformation("{Holder}: queue {Queue} is being delivered by another holder; skipped", holder, queueName);
            return;
        }
        // The lease is renewed in the background while a (possibly large) message is on the wire; losing it stops the drain.
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var renewalStop = new CancellationTokenSource();
        var renewal = RenewAsync(lease, lost, renewalStop.Token);
        try
        {
            while (session.Usable && !lost.IsCancellationRequested)
            {
                var message = await lease.NextAsync(lost.Token);
                if (message is null) break;
                var outcomes = await session.SendAsync(message, lost.Token);
                await lease.CompleteAsync(message, outcomes, cancellationToken);
                _logger.LogInformation("{Holder}: queue {Queue} message {QueueId}: {Delivered} of {Count} delivered", holder, queueName, message.QueueId,
                    outcomes.Count(o => o.Outcome == DeliveryOutcome.Delivered), outcomes.Count);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("{Holder}: the lease on queue {Queue} was lost; stopping", holder, queueName);
        }
        finally
        {
            await renewalStop.CancelAsync();
            await renewal;
        }
    }

    private async Task RenewAsync(IQueueLease lease, CancellationTokenSource lost, CancellationToken stop)
    {
        var period = _settings.TurnaroundLease / 3;
        try
        {
            using var timer = new PeriodicTimer(period);
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (!await lease.RenewAsync(_settings.TurnaroundLease, stop))
                {
                    await lost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The drain ended.
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "renewing the lease on queue {Queue} failed", lease.Queue);
            await lost.CancelAsync();
        }
    }
}
