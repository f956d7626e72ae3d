using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Plugins;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// Local recipients (design.md step 3): the account's delivery rules, then one batched mailbox append for the whole
/// routing pass (INBOX or the rules' targets), with the fallbacks rules.md §6.1 asks for and the recipient outcomes.
/// </summary>
internal sealed class LocalDeliveryStage(IQueueBackend queue, IKernelExtensions extensions, ILocalDelivery local, IMailboxRightsLookup? rights,
    RuleActionStage actions, ILogger logger)
{
    private const string Inbox = "INBOX";

    private QueueOptions Options => queue.Options;

    public async Task PlanAsync(MessageWork work, RecipientRow r, RouteResult.Local route, RoutingBatch batch, CancellationToken cancellationToken)
    {
        var outcome = RuleOutcome.Continue;
        if (extensions.RuleEngine is { } engine)
        {
            var header = await work.HeaderAsync(cancellationToken);
            var input = new RuleInput(work.EnvelopeFor(r), header.Fields, work.Body.Length, work.Body);
            var evaluated = await PluginCallPolicy.RunAsync("delivery rules", ct => engine.EvaluateDeliveryAsync(input, route.Account, ct), Options.RuleTimeout, cancellationToken);
            if (!evaluated.Succeeded)
            {
                // design.md: a rule timeout or exception is a temporary failure, never a lost message.
                logger.LogWarning(evaluated.Exception, "delivery rules for {Account} failed on message {QueueId}: {Reason}", route.Account, r.MessageId, evaluated.Failure);
                Parking.PostponeAfterPluginFailure(batch, r, evaluated.Failure!, Options, logger);
                return;
            }
            outcome = evaluated.Value!;
        }

        if (outcome.RejectText is not null)
        {
            // rules.md §6.1: Account-scope Reject → failure DSN with 5.7.1 and the text; nothing else of this run happens.
            batch.Updates.Add(RoutingBatch.Failed(r, "5.7.1", outcome.RejectText));
            return;
        }

        await actions.SendCopiesAsync(work, r, route.Account, outcome, cancellationToken);

        var body = work.Body;
        if (outcome.HeaderEdits.Count > 0)
        {
            var header = await work.HeaderAsync(cancellationToken);
            await using var edited = header.OpenEdited(work.Body, outcome.HeaderEdits);
            body = await queue.WriteBodyAsync(edited, cancellationToken);
        }
        var (flags, keywords) = MailboxTarget.SplitFlags(outcome.AddFlags);
        var prefix = ReturnPath.Prefix(work.Message.Message.Sender);
        var pending = new PendingRecipient(r, route.Account);
        foreach (var store in outcome.Stores)
        {
            var (owner, mailbox) = (route.Account, store.Mailbox);
            if (MailboxTarget.IsForeign(store.Mailbox))
            {
                // rules.md §6.1: a foreign target needs "i" for the rule owner; the fast path stores as the System, so
                // the owner's rights are asked first. Refused → logged, and default delivery (INBOX) as for any failed store.
                var refusal = await ForeignStoreRefusalAsync(route.Account, store.Mailbox, cancellationToken);
                if (refusal is not null)
                {
                    logger.LogWarning("message {QueueId}: rule store into {Mailbox} for {Account} refused ({Reason}); delivering to INBOX",
                        r.MessageId, store.Mailbox, route.Account, refusal);
                    pending.NeedsFallback = true;
                    continue;
                }
                (owner, mailbox) = MailboxTarget.ParseForeign(store.Mailbox, route.Account.Domain)!;
            }
            pending.Items.Add(batch.AddLocal(pending, new LocalDeliveryItem(owner, mailbox, body, flags | store.Flags, keywords, DeliveryKey(r, store.Mailbox), prefix), fallback: true));
        }
        if (outcome.DefaultDelivery || pending.NeedsFallback)
            pending.Items.Add(batch.AddLocal(pending, new LocalDeliveryItem(route.Account, route.Mailbox ?? Inbox, body, flags, keywords, DeliveryKey(r, route.Mailbox ?? Inbox), prefix), fallback: false));
        if (pending.Items.Count == 0)
        {
            batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.Delivered, LastError: "discarded by a rule"));
            return;
        }
        batch.Pending.Add(pending);
    }

    /// <summary>Why the rule owner may not store into a foreign mailbox (no such name, no "i" right), or null when it may.</summary>
    private async Task<string?> ForeignStoreRefusalAsync(AccountAddress account, string mailbox, CancellationToken cancellationToken)
    {
        if (MailboxTarget.ParseForeign(mailbox, account.Domain) is null) return "not a ~account/mailbox name";
        if (rights is null) return "no rights check available";
        try
        {
            var granted = await rights.GetRightsAsync(Principal.User(account), mailbox, cancellationToken);
            return granted.HasFlag(MailboxRights.Insert) ? null : $"{account} lacks the insert right";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return $"rights check failed: {e.Message}";
        }
    }

    /// <summary>Appends everything the pass planned in batched calls, then turns each local recipient's results into its outcome.</summary>
    public async Task DeliverAsync(RoutingBatch batch, CancellationToken cancellationToken)
    {
        var round = batch.LocalItems.ToList();
        while (round.Count > 0)
        {
            IReadOnlyList<LocalDeliveryResult> results;
            try
            {
                results = await local.DeliverAsync(round.Select(i => i.Item).ToList(), cancellationToken);
                if (results.Count != round.Count) throw new InvalidOperationException($"local delivery returned {results.Count} results for {round.Count} items");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogError(e, "local delivery of {Count} items failed; their messages will be retried", round.Count);
                foreach (var p in round.Select(i => i.Owner).OfType<PendingRecipient>().Distinct())
                {
                    batch.Postpone(p.Row, $"local delivery failed: {e.Message}", batch.Now + (long)Options.RoutingRetry.TotalMilliseconds);
                    p.Abandoned = true;
                }
                break;
            }
            round = Apply(batch, round, results);
        }
        foreach (var p in batch.Pending)
        {
            if (p.Abandoned) continue;
            if (p.Succeeded)
            {
                var notify = (DsnNotify)p.Row.Notify;
                batch.Updates.Add(new RecipientUpdate(p.Row.MessageId, p.Row.Idx, RecipientState.Delivered, Attempts: p.Row.Attempts + 1, Status: "2.0.0",
                    Dsn: notify.HasFlag(DsnNotify.Success) ? DsnPending.Delivered : DsnPending.None));
            }
            else if (p.Failure is { Error: MailboxError.OverQuota } quota)
            {
                // RFC 3463 4.2.2: mailbox full is temporary; retry on the normal schedule (expiry bounces it in the end).
                var attempts = (int)p.Row.Attempts + 1;
                batch.Postpone(p.Row, quota.Text ?? "mailbox is over quota", batch.Now + (long)RetrySchedule.After(attempts, Options).TotalMilliseconds, attempts);
            }
            else
            {
                var (error, text) = p.Failure ?? (MailboxError.NonExistent, "no mailbox to deliver to");
                var status = error == MailboxError.NonExistent ? "5.1.1" : "5.2.0";
                batch.Updates.Add(RoutingBatch.Failed(p.Row, status, text ?? $"mailbox error {error}"));
            }
        }
    }

    /// <summary>Records one round's results; returns the INBOX fallbacks still to append.</summary>
    private List<LocalWork> Apply(RoutingBatch batch, List<LocalWork> round, IReadOnlyList<LocalDeliveryResult> results)
    {
        var next = new List<LocalWork>();
        for (var i = 0; i < round.Count; i++)
        {
            var (work, result) = (round[i], results[i]);
            var p = work.Owner;
            if (p is null)
            {
                if (result.Error is not null)
                    logger.LogWarning("message {QueueId}: server-wide rule '{Rule}': store into {Mailbox} of {Account} failed: {Error} {Text}", work.MessageId, work.Rule ?? "(unnamed)",
                        work.Item.Mailbox, work.Item.Owner, result.Error, result.ErrorText);
                continue;
            }
            if (result.Appended is { } appended)
            {
                p.Succeeded = true;
                batch.Delivered.Add(new MessageDelivered(p.Row.MessageId, p.Row.Address, work.Item.Owner, work.Item.Mailbox, appended.Uid));
                continue;
            }
            logger.LogWarning("message {QueueId}: cannot store into {Mailbox} of {Account}: {Error} {Text}", p.Row.MessageId, work.Item.Mailbox,
                work.Item.Owner, result.Error, result.ErrorText);
            if (work.Fallback && !p.Items.Any(x => !x.Fallback))
            {
                // rules.md §6.1: a failed "Store in" falls back to default delivery (INBOX), once.
                var inbox = new LocalWork(p, work.Item with { Owner = p.Account ?? work.Item.Owner, Mailbox = Inbox, DeliveryKey = DeliveryKey(p.Row, Inbox) }, Fallback: false);
                p.Items.Add(inbox);
                next.Add(inbox);
                continue;
            }
            if (!work.Fallback) p.Failure = (result.Error, result.ErrorText);
        }
        return next;
    }

    /// <summary>
    /// The idempotency key of one mailbox append (007_delivery_keys.sql): the append and "recipient delivered" commit in
    /// two transactions (mailbox store, then queue), so a crash between them routes the message again after restart;
    /// the key makes the mailbox store answer that second append with the first one's result instead of a second copy.
    /// </summary>
    private static string DeliveryKey(RecipientRow r, string mailbox) => $"{r.MessageId}/{r.Idx}/{MailboxName.Canonical(mailbox)}";
}
