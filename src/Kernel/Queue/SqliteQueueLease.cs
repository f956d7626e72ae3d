using Kernel.Abstractions;
using Kernel.Delivery;
using Microsoft.Extensions.Logging;

namespace Kernel.Queue;

/// <summary>
/// An exclusive, expiring hold on one target queue (a row in queue_leases). Calls renew it once a quarter of its
/// duration has passed since the last renewal (not at every message: each renewal is a commit); a holder that stops
/// calling (a crashed ATRN session, a dead worker) loses it when it expires, and its messages are simply still queued.
/// Outcomes go through the queue's group commit (<see cref="OutcomeCommitter"/>).
/// </summary>
internal sealed class SqliteQueueLease(SqliteMessageQueue queue, string name, string token, TimeSpan duration, bool includeHeld, IMessageBus bus, ILogger logger)
    : IDeliveryLease
{
    private TimeSpan _duration = duration;
    private readonly Dictionary<string, (IReadOnlyList<RecipientRow> Rows, long Created)> _handedOut = new(StringComparer.Ordinal);
    // When the lease was last taken or renewed (queue time, Unix ms): it was acquired just before this object was made.
    private long _renewedAt = queue.Now;
    private const int PageSize = 32;
    private readonly Queue<QueuedMessage> _page = new();
    private long _afterSeq;
    private bool _disposed;
    // Several deliveries of one lease run at once (RemoteDispatchStage): one of them pages the queue at a time.
    private readonly SemaphoreSlim _paging = new(1, 1);

    public string Queue => name;

    public async Task<OutboundMessage?> NextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _paging.WaitAsync(cancellationToken);
        try
        {
            return await NextCoreAsync(cancellationToken);
        }
        finally
        {
            _paging.Release();
        }
    }

    private async Task<OutboundMessage?> NextCoreAsync(CancellationToken cancellationToken)
    {
        await RenewOrThrowAsync(cancellationToken);
        var now = queue.Now;
        QueuedMessage? next;
        while (true)
        {
            if (_page.Count == 0)
            {
                var page = await queue.Store.NextInQueueAsync(name, includeHeld, now, _afterSeq, PageSize);
                foreach (var q in page) _page.Enqueue(q);
                if (page.Count > 0) _afterSeq = page[^1].Message.Seq;
            }
            if (!_page.TryDequeue(out next)) return null;
            if (queue.Store.BodyProblem(next.Message) is not { } problem) break;
            // Bad data never loops: the recipients fail with the reason naming the file, and a DSN says so.
            logger.LogError("queued message {QueueId}: {Problem}", next.Message.Id, problem);
            var failed = next.Recipients.Select(r => new RecipientUpdate(r.MessageId, r.Idx, RecipientState.Failed, r.Queue, r.Target, r.Attempts, null, problem,
                "5.3.0", null, DsnPending.Failed)).ToList();
            var broken = next.Message.Id;
            await queue.Store.RecordOutcomesAsync(broken, failed);
            queue.Wake();
        }
        lock (_handedOut) _handedOut[next.Message.Id] = (next.Recipients, next.Message.Created);
        var target = QueueJson.ReadRemote(next.Recipients[0].Target ?? throw new InvalidDataException($"queued message {next.Message.Id} has no target"));
        // RFC 5321 §3.6 / smtp.md §11.4: RCPT TO carries the Router's recipient, not the address as first given.
        var recipients = next.Recipients.Select(r => new EnvelopeRecipient { Address = RoutedAddress(r), OriginalRecipient = r.Orcpt, Notify = (DsnNotify)r.Notify }).ToList();
        var body = queue.Store.Bodies.Open(next.Message.BodyId, next.Message.BodySize);
        return new OutboundMessage(next.Message.Id, name, target, QueueEnvelopes.EnvelopeOf(next.Message, recipients), recipients, body,
            (int)next.Recipients.Max(r => r.Attempts) + 1);
    }

    public Task CompleteAsync(OutboundMessage message, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken = default) =>
        CompleteCoreAsync(message, outcomes, pluginFailure: null, cancellationToken);

    // IMailTransport contract: an exception or timeout is a temporary failure for every recipient — counted as a plugin failure.
    public Task PluginFailedAsync(OutboundMessage message, string reason, CancellationToken cancellationToken = default) =>
        CompleteCoreAsync(message, message.Recipients.Select(r => new RecipientOutcome(r.Address, DeliveryOutcome.TemporaryFailure, "4.4.0", reason)).ToList(),
            reason, cancellationToken);

    private async Task CompleteCoreAsync(OutboundMessage message, IReadOnlyList<RecipientOutcome> outcomes, string? pluginFailure, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        (IReadOnlyList<RecipientRow> Rows, long Created) handed;
        lock (_handedOut)
        {
            if (!_handedOut.Remove(message.QueueId, out handed))
                throw new InvalidOperationException($"message {message.QueueId} was not handed out by this lease of queue {name}");
        }
        var (rows, created) = handed;
        await RenewOrThrowAsync(cancellationToken);
        var now = queue.Now;
        var options = queue.Options;
        var expired = created + (long)options.Expiry.TotalMilliseconds <= now;
        var late = created + (long)options.DelayReport.TotalMilliseconds <= now;
        var byRecipient = outcomes.GroupBy(o => o.Recipient, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var updates = new List<RecipientUpdate>();
        var delivered = new List<RecipientRow>();
        foreach (var row in rows)
        {
            var attempts = row.Attempts + 1;
            var outcome = byRecipient.GetValueOrDefault(RoutedAddress(row))
                ?? new RecipientOutcome(row.Address, DeliveryOutcome.TemporaryFailure, "4.4.0", "the transport reported no outcome for this recipient");
            switch (outcome.Outcome)
            {
                case DeliveryOutcome.Delivered:
                    updates.Add(new RecipientUpdate(row.MessageId, row.Idx, RecipientState.Delivered, row.Queue, row.Target, attempts, null, null, outcome.Status,
                        outcome.RemoteHost, ((DsnNotify)row.Notify).HasFlag(DsnNotify.Success) ? DsnPending.Delivered : DsnPending.None));
                    delivered.Add(row);
                    break;
                case DeliveryOutcome.PermanentFailure:
                    updates.Add(new RecipientUpdate(row.MessageId, row.Idx, RecipientState.Failed, row.Queue, row.Target, attempts, null, outcome.Reply,
                        outcome.Status, outcome.RemoteHost, DsnPending.Failed));
                    break;
                case var _ when expired:
                    // smtp.md §12: give up after the expiry time with 5.4.7, reporting the last error.
                    updates.Add(new RecipientUpdate(row.MessageId, row.Idx, RecipientState.Failed, row.Queue, row.Target, attempts, null,
                        $"delivery time expired; last error: {outcome.Reply}", "5.4.7", outcome.RemoteHost, DsnPending.Failed));
                    break;
                default:
                    // A held queue's recipient goes back to held after a failed ETRN/ATRN delivery (smtp.md §7), not to the retry schedule.
                    var state = row.Target is not null && QueueJson.ReadRemote(row.Target).Held ? RecipientState.Held : (RecipientState)row.State;
                    // smtp.md §12: one "delayed" report after DelayReport, only for NOTIFY=DELAY (RFC 3461 §4.1).
                    var reportDelay = late && row.DelaySent == 0 && ((DsnNotify)row.Notify).HasFlag(DsnNotify.Delay);
                    var deferred = new RecipientUpdate(row.MessageId, row.Idx, state, row.Queue, row.Target, attempts,
                        now + (long)RetrySchedule.After((int)attempts, options).TotalMilliseconds, outcome.Reply, outcome.Status, outcome.RemoteHost,
                        reportDelay ? DsnPending.Delayed : (DsnPending)row.Dsn, DelaySent: reportDelay || row.DelaySent != 0);
                    updates.Add(pluginFailure is null ? deferred : AfterPluginFailure(row, deferred, pluginFailure, now));
                    break;
            }
        }
        // Counted only after the commit; a message deleted meanwhile (kernel queue delete) has no rows left to change.
        if (!await queue.Outcomes.RecordAsync(message.QueueId, updates)) return;
        foreach (var row in delivered) bus.Publish(new MessageDelivered(message.QueueId, row.Address, null, null, null));
        if (updates.Any(u => u.Dsn != DsnPending.None)) queue.Wake();
        logger.LogInformation("queue {Queue} message {QueueId}: {Delivered} delivered, {Failed} failed, {Deferred} deferred", name, message.QueueId,
            updates.Count(u => u.State == RecipientState.Delivered), updates.Count(u => u.State == RecipientState.Failed),
            updates.Count(u => u.State is RecipientState.Waiting or RecipientState.Held));
    }

    /// <summary>
    /// Parking (Delivery/Parking.cs) for a transport plugin's failure: the run of them is counted apart from the
    /// attempts (which also count remote replies); at the limit the recipient stays queued with no next attempt.
    /// </summary>
    private RecipientUpdate AfterPluginFailure(RecipientRow row, RecipientUpdate deferred, string reason, long now)
    {
        var failures = row.PluginFailures + 1;
        var since = row.FailingSince ?? now;
        if (!Parking.ShouldPark(failures, since, now, queue.Options, out var failingFor))
            return deferred with { PluginFailures = failures, FailingSince = since };
        logger.LogError("message {QueueId}: recipient {Recipient} parked after {Failures} transport failures in a row over {FailingFor}: {Reason}",
            row.MessageId, row.Address, failures, failingFor, reason);
        return deferred with { NextAttempt = null, LastError = Parking.Reason(failures, reason, row.MessageId), PluginFailures = failures, FailingSince = since };
    }

    public async Task<bool> RenewAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "a lease needs a positive duration");
        _duration = duration;
        var now = queue.Now;
        if (!await queue.Store.RenewLeaseAsync(name, token, now + (long)duration.TotalMilliseconds)) return false;
        _renewedAt = now;
        return true;
    }

    private async Task RenewOrThrowAsync(CancellationToken cancellationToken)
    {
        // Nobody can have taken a lease that has three quarters of its time left: no commit needed yet.
        if (queue.Now - _renewedAt < (long)(_duration.TotalMilliseconds / 4)) return;
        if (!await RenewAsync(_duration, cancellationToken))
            throw new InvalidOperationException($"the lease on queue {name} expired and was taken by another holder");
    }

    private static string RoutedAddress(RecipientRow row) => row.Target is null ? row.Address : QueueJson.ReadRemote(row.Target).Recipient;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        // Unfinished messages need nothing: their rows never changed, so ending the lease gives them back.
        await queue.Store.EndLeaseAsync(name, token);
    }
}
