using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// One routing pass (design.md step 3): claims a batch of unrouted messages, asks the Router per recipient, expands
/// groups, plans local delivery and files remote recipients into their target queues, then records it all at once.
/// </summary>
internal sealed class RoutingStage(IQueueBackend queue, IKernelExtensions extensions, IAccountStore accounts, LocalDeliveryStage local,
    RuleActionStage actions, IMessageBus bus, ILogger logger, string worker)
{
    private QueueOptions Options => queue.Options;

    /// <summary>Routes one claimed batch; false when there was nothing to claim. <paramref name="wake"/> is called when the pass left work due now.</summary>
    public async Task<bool> RunAsync(Action wake, CancellationToken cancellationToken)
    {
        var now = queue.Now;
        var claimed = await queue.ClaimUnroutedAsync(worker, now, now + (long)Options.RoutingLease.TotalMilliseconds, Options.RoutingBatch);
        if (claimed.Count == 0) return false;

        var batch = new RoutingBatch(now);
        foreach (var message in claimed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await PlanMessageAsync(message, batch, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One bad message must not hold up the batch: undo what was planned for it and try it again later.
                var id = message.Message.Id;
                logger.LogError(e, "delivery worker {Worker}: message {QueueId} could not be routed; will retry", worker, id);
                batch.Forget(id);
                batch.RetryAt[id] = now + (long)Options.RoutingRetry.TotalMilliseconds;
            }
        }
        await local.DeliverAsync(batch, cancellationToken);
        var (lost, _) = await queue.CompleteRoutingAsync(worker, batch.Updates, batch.RetryAt);
        foreach (var id in lost) logger.LogWarning("delivery worker {Worker}: lease on message {QueueId} was lost before its routing was recorded", worker, id);
        foreach (var delivered in batch.Delivered.Where(d => !lost.Contains(d.QueueId))) bus.Publish(delivered);
        if (batch.Updates.Any(u => u.Dsn != DsnPending.None || u.State is RecipientState.Waiting) || batch.RetryAt.Values.Any(r => r <= now)) wake();
        return true;
    }

    private async Task PlanMessageAsync(QueuedMessage queued, RoutingBatch batch, CancellationToken cancellationToken)
    {
        var m = queued.Message;
        batch.RetryAt[m.Id] = null;
        var work = new MessageWork(queued, queue.OpenBody(m), QueueJson.ReadSource(m.Source), Options.MaxHeaderBytes);

        if (m.Created + (long)Options.Expiry.TotalMilliseconds <= batch.Now)
        {
            foreach (var r in queued.Recipients)
                batch.Updates.Add(RoutingBatch.Failed(r, "5.4.7", "delivery time expired before the recipient could be routed"));
            return;
        }

        if (queue.BodyProblem(m) is { } problem)
        {
            // Bad data never loops (issue 3 §8): fail the recipients with the reason naming the file; the DSN says so.
            logger.LogError("queued message {QueueId}: {Problem}", m.Id, problem);
            foreach (var r in queued.Recipients) batch.Updates.Add(RoutingBatch.Failed(r, "5.3.0", problem));
            return;
        }

        if (QueueJson.ReadActions(m.Actions) is { } serverActions) await actions.RunServerActionsAsync(work, serverActions, batch, cancellationToken);

        foreach (var r in queued.Recipients)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await PlanRecipientAsync(work, r, batch, cancellationToken);
        }
    }

    private async Task PlanRecipientAsync(MessageWork work, RecipientRow r, RoutingBatch batch, CancellationToken cancellationToken)
    {
        if (Parking.IsParked(r))
        {
            Parking.KeepParked(batch.RetryAt, r.MessageId);
            return;
        }
        // The relay verdict was given at intake (design.md step 1); only the destination matters here.
        var router = extensions.Router;
        var routed = await PluginCallPolicy.RunAsync("router", async ct => (await router.RouteAsync(new RouteRequest(r.Address, RouteKind.Mail, work.Source), ct)).Result,
            Options.RouterTimeout, cancellationToken);
        if (!routed.Succeeded)
        {
            logger.LogWarning(routed.Exception, "routing {Recipient} of message {QueueId} failed: {Reason}", r.Address, r.MessageId, routed.Failure);
            Parking.PostponeAfterPluginFailure(batch, r, routed.Failure!, Options, logger);
            return;
        }

        var route = routed.Value!;
        switch (route)
        {
            case RouteResult.Local localRoute:
                await local.PlanAsync(work, r, localRoute, batch, cancellationToken);
                break;
            case RouteResult.Group or RouteResult.MailingList:
                await ExpandAsync(r, route is RouteResult.Group g ? g.Address : ((RouteResult.MailingList)route).Address, batch, cancellationToken);
                break;
            case RouteResult.Remote remote:
                // The same function answers IMessageQueue.FindQueueForDomainAsync (ETRN/ATRN), so both name the same queue.
                batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, remote.Held ? RecipientState.Held : RecipientState.Waiting,
                    QueueEnvelopes.TargetQueueOf(remote), QueueJson.WriteRemote(remote), r.Attempts, batch.Now));
                break;
            case RouteResult.Discard:
                batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.Delivered, LastError: "discarded by the router"));
                break;
            case RouteResult.AcceptAndBounce bounce:
                batch.Updates.Add(RoutingBatch.Failed(r, bounce.Status, "address not accepted for delivery"));
                break;
            case RouteResult.Reject { Reason: RejectReason.TempFailure } temporary:
                batch.Postpone(r, temporary.Text, batch.Now + (long)Options.RoutingRetry.TotalMilliseconds);
                break;
            case RouteResult.Reject reject:
                batch.Updates.Add(RoutingBatch.Failed(r, reject.EnhancedStatus, reject.Text));
                break;
            default:
                batch.Updates.Add(RoutingBatch.Failed(r, "5.4.0", $"unsupported route {route.Display}"));
                break;
        }
    }

    private async Task ExpandAsync(RecipientRow r, AccountAddress group, RoutingBatch batch, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> members;
        try
        {
            members = await accounts.GetGroupMembersAsync(group, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "expanding {Group} for message {QueueId} failed; will retry", group, r.MessageId);
            batch.Postpone(r, $"group expansion failed: {e.Message}", batch.Now + (long)Options.RoutingRetry.TotalMilliseconds);
            return;
        }
        // Members become recipients of their own (routed in the next pass, durable, each delivered once); an
        // address the message already has is skipped, which also ends a group that contains itself.
        var known = await queue.AddressesAsync(r.MessageId);
        var added = 0;
        foreach (var member in members.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (known.Contains(member) || !EnvelopeValidation.IsAddress(member)) continue;
            batch.Updates.Add(new RecipientUpdate(r.MessageId, null, RecipientState.New, Address: member, Orcpt: r.Orcpt ?? $"rfc822;{r.Address}", Notify: r.Notify));
            added++;
        }
        batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.Delivered, LastError: $"expanded to {added} members"));
        if (added > 0) batch.RetryAt[r.MessageId] = batch.Now; // route the members at once
        logger.LogInformation("message {QueueId}: {Group} expanded to {Count} members", r.MessageId, group, added);
    }
}
