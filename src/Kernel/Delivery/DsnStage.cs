using Kernel.Abstractions;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// Sends the DSNs the queue rows owe (RFC 3464, built by <see cref="IMessageFactory"/>). They are owed in the rows, so a
/// crash never loses one; a DSN that cannot be queued stays owed and the next pass tries again.
/// </summary>
internal sealed class DsnStage(IQueueBackend queue, IMessageFactory factory, ILogger logger)
{
    private const int Batch = 64;

    /// <summary>Sends up to one batch; true when there were DSNs owed.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var pending = await queue.PendingDsnsAsync(Batch);
        foreach (var q in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var m = q.Message;
            foreach (var group in q.Recipients.GroupBy(r => (DsnPending)r.Dsn))
            {
                // RFC 3461 §4.1: no DSN for NOTIFY=NEVER, failures unless NOTIFY named others only, success only when asked;
                // and never for a null reverse-path (no bounce of a bounce).
                var wanted = group.Where(r => m.Sender.Length > 0 && Wants((DsnNotify)r.Notify, group.Key)).ToList();
                if (wanted.Count > 0)
                {
                    try
                    {
                        await SendAsync(q, group.Key, wanted, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        logger.LogError(e, "message {QueueId}: DSN could not be sent; will retry", m.Id);
                        return false; // leave it owed; the next poll tries again
                    }
                }
                var idxs = group.Select(r => r.Idx).ToList();
                await queue.DsnSentAsync(m.Id, idxs, group.Key);
            }
        }
        return pending.Count > 0;
    }

    private async Task SendAsync(QueuedMessage q, DsnPending kind, List<RecipientRow> wanted, CancellationToken cancellationToken)
    {
        var m = q.Message;
        var failed = kind == DsnPending.Failed;
        // RFC 3464 §2.3.3: a success handed to another MTA is "relayed"; into a mailbox, "delivered".
        var statuses = wanted.Select(r => new DsnRecipientStatus(r.Address, r.Orcpt,
            kind switch
            {
                DsnPending.Failed => DsnAction.Failed,
                DsnPending.Delayed => DsnAction.Delayed,
                _ => r.Queue is null ? DsnAction.Delivered : DsnAction.Relayed,
            },
            r.Status ?? (failed ? "5.0.0" : kind == DsnPending.Delayed ? "4.0.0" : "2.0.0"), r.RemoteMta,
            r.LastError is null ? null : $"smtp; {r.LastError}")).ToList();
        // A damaged original still gets its DSN, without the original attached.
        MessageBody original = queue.BodyProblem(m) is null ? queue.OpenBody(m) : MessageBody.FromBytes(Array.Empty<byte>());
        var request = new DsnRequest(QueueEnvelopes.EnvelopeOf(m, q.Recipients.Select(QueueEnvelopes.RecipientOf).ToList()),
            original, queue.Options.ServerName, DateTimeOffset.FromUnixTimeMilliseconds(m.Created), statuses);
        var dsn = factory.BuildDeliveryStatusNotification(request);
        var result = await RuleActionStage.SubmitGeneratedAsync(queue, dsn with { Sender = "" }, "dsn", runRules: false, cancellationToken);
        logger.LogInformation("message {QueueId}: {Action} DSN for {Count} recipients queued as {DsnId}", m.Id, statuses[0].Action, wanted.Count, result.QueueId);
    }

    private static bool Wants(DsnNotify notify, DsnPending kind) => kind switch
    {
        _ when notify.HasFlag(DsnNotify.Never) => false,
        DsnPending.Failed => notify == DsnNotify.Default || notify.HasFlag(DsnNotify.Failure),
        DsnPending.Delivered => notify.HasFlag(DsnNotify.Success),
        DsnPending.Delayed => notify.HasFlag(DsnNotify.Delay),
        _ => false,
    };
}
