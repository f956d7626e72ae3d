using System.Globalization;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// The rule actions that make new mail (rules.md §6): Mirror, Redirect and Forward copies, auto-replies, and the
/// server-wide rules' stores and sends recorded at submission. Each new message is an internal submission that
/// streams from the stored original; a failing action is logged and never blocks the others or default delivery (§8).
/// </summary>
internal sealed class RuleActionStage(IQueueBackend queue, IAccountStore accounts, IMessageFactory factory, ILogger logger)
{
    private const string HopsHeader = "X-Kernel-Rule-Hops";
    private const string ViaHeader = "X-Kernel-Rule-Via"; // the accounts whose rules sent this copy on (the rule engine's loop guard)
    private const int MaxRuleHops = 5;   // rules.md §6.1 loop guard

    public async Task RunServerActionsAsync(MessageWork work, ServerRuleActions actions, RoutingBatch batch, CancellationToken cancellationToken)
    {
        if (actions.Stores.Count > 0)
        {
            string? mainDomain = null;
            try { mainDomain = await accounts.GetMainDomainAsync(cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e, "cannot read the Main Domain for server-wide rule stores"); }
            var (flags, keywords) = MailboxTarget.SplitFlags(actions.Flags);
            foreach (var store in actions.Stores)
            {
                // rules.md §6.1: at server scope "~acct/box" is an account of the Main Domain; no ACL check (system authority).
                if (MailboxTarget.ParseForeign(store.Mailbox, mainDomain) is { } target)
                    batch.AddLocal(null, new LocalDeliveryItem(target.Owner, target.Mailbox, work.Body, flags | store.Flags, keywords,
                        $"{work.Message.Message.Id}/server/{target.Owner}/{MailboxName.Canonical(target.Mailbox)}", ReturnPath.Prefix(work.Message.Message.Sender)),
                        fallback: false, work.Message.Message.Id, store.RuleName);
                else
                    logger.LogWarning("message {QueueId}: server-wide rule '{Rule}' store target {Mailbox} is not a ~account/mailbox name", work.Message.Message.Id, store.RuleName ?? "(unnamed)", store.Mailbox);
            }
        }
        foreach (var send in actions.Sends)
            await SendCopyAsync(work, send, work.Message.Message.Sender, null, GeneratedKey(work.Message.Message.Id, "server", send.Mode.ToString(), send.Address), cancellationToken);
    }

    /// <summary>An account-scope outcome's copies and replies for one recipient.</summary>
    public async Task SendCopiesAsync(MessageWork work, RecipientRow r, AccountAddress account, RuleOutcome outcome, CancellationToken cancellationToken)
    {
        foreach (var send in outcome.Sends)
        {
            if (AccountAddress.TryParse(send.Address, null, out var to) && to == account) continue; // never to itself (rules.md §6.1)
            // Redirect/Forward: the envelope sender becomes the account; Mirror keeps the original (rules.md §6).
            var sender = send.Mode == OutboundCopyMode.Mirror ? work.Message.Message.Sender : account.ToString();
            await SendCopyAsync(work, send, sender, account, GeneratedKey(r.MessageId, r.Idx.ToString(CultureInfo.InvariantCulture), send.Mode.ToString(), send.Address), cancellationToken);
        }
        if (outcome.Replies.Count == 0) return;
        var header = await work.HeaderAsync(cancellationToken);
        var autoSubmitted = header.Get("Auto-Submitted");
        if (work.Message.Message.Sender.Length == 0 || autoSubmitted is not null && !autoSubmitted.Equals("no", StringComparison.OrdinalIgnoreCase))
            return; // RFC 3834 §2: never answer a bounce or an automatic message
        foreach (var reply in outcome.Replies)
        {
            var key = GeneratedKey(r.MessageId, r.Idx.ToString(CultureInfo.InvariantCulture), "reply", reply.To);
            if (await AlreadyGeneratedAsync(key, r.MessageId)) continue;
            try
            {
                var generated = factory.BuildReply(reply, header.Fields);
                await SubmitGeneratedAsync(queue, generated, "rules", runRules: true, cancellationToken, key);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "message {QueueId}: auto-reply to {To} failed", r.MessageId, reply.To);
            }
        }
    }

    /// <summary>
    /// The idempotency key of one rule-made message (010_generated_keys.sql): the original is recorded as routed only
    /// after its copies are queued, so after a crash in between it is routed again; the key keeps the copy single.
    /// </summary>
    private static string GeneratedKey(string originalId, string recipient, string kind, string address) =>
        $"{originalId}/{recipient}/{kind.ToLowerInvariant()}/{address.Trim().ToLowerInvariant()}";

    private async Task<bool> AlreadyGeneratedAsync(string key, string originalId)
    {
        if (!await queue.WasGeneratedAsync(key)) return false;
        logger.LogInformation("message {QueueId}: rule-made message {Key} was already queued before a restart; not made again", originalId, key);
        return true;
    }

    private async Task SendCopyAsync(MessageWork work, OutboundCopy send, string sender, AccountAddress? account, string key, CancellationToken cancellationToken)
    {
        var id = work.Message.Message.Id;
        if (await AlreadyGeneratedAsync(key, id)) return;
        try
        {
            var header = await work.HeaderAsync(cancellationToken);
            var hops = int.TryParse(header.Get(HopsHeader), out var n) ? n : 0;
            if (hops >= MaxRuleHops)
            {
                logger.LogWarning("message {QueueId}: not sent on to {Address}: {Hops} rule hops already (loop guard)", id, send.Address, hops);
                return;
            }
            var envelope = new Envelope { Sender = sender, Recipients = [new EnvelopeRecipient { Address = send.Address }], Source = RequestSource.InternalSource("rules") };
            if (send.Mode == OutboundCopyMode.Forward && account is not null)
            {
                // rules.md §6: Forward is a new message from the Account carrying the original (not a redirect).
                EnsureQueued(await queue.SubmitInternalAsync(envelope,
                    () => ForwardedMessage.Open(header, work.Body, account, send.Address, hops + 1, queue.Options.ServerName, queue.Time.GetUtcNow()), runRules: true, cancellationToken, key));
                return;
            }
            var edits = new List<HeaderEdit> { new(HopsHeader, null), new(HopsHeader, (hops + 1).ToString(CultureInfo.InvariantCulture)) };
            // Added, never replaced: a copy that comes back to an account already on the list is a rule loop (a → b → a),
            // which the rule engine stops without storing the message twice or losing it.
            if (account is not null) edits.Add(new HeaderEdit(ViaHeader, $"<{account}>"));
            if (send.Mode != OutboundCopyMode.Mirror && account is not null)
            {
                // RFC 5322 §3.6.6 resent fields for a redirected message.
                edits.Add(new HeaderEdit("Resent-From", $"<{account}>"));
                edits.Add(new HeaderEdit("Resent-To", $"<{send.Address}>"));
                edits.Add(new HeaderEdit("Resent-Date", queue.Time.GetUtcNow().ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)));
            }
            // The edited copy streams straight into its body file (no copy in memory).
            EnsureQueued(await queue.SubmitInternalAsync(envelope, () => header.OpenEdited(work.Body, edits), runRules: true, cancellationToken, key));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // rules.md §8: a failing action never blocks other actions or default delivery.
            logger.LogWarning(e, "message {QueueId}: rule copy to {Address} failed", id, send.Address);
        }
    }

    public static async Task<SubmitResult> SubmitGeneratedAsync(IQueueBackend queue, GeneratedMessage generated, string protocol, bool runRules, CancellationToken cancellationToken,
        string? generatedKey = null)
    {
        var envelope = new Envelope
        {
            Sender = generated.Sender,
            Recipients = generated.Recipients.Select(a => new EnvelopeRecipient { Address = a }).ToList(),
            Source = RequestSource.InternalSource(protocol),
        };
        return EnsureQueued(await queue.SubmitInternalAsync(envelope, generated.Body.OpenRead, runRules, cancellationToken, generatedKey));
    }

    /// <summary>A refused internal submission is a failure of the action that made it: the callers log it and, for a DSN, try again later.</summary>
    private static SubmitResult EnsureQueued(SubmitResult result) =>
        result.Accepted ? result : throw new IOException($"the queue refused it: {result.Code} {result.Text}");
}
