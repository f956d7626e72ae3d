using System.Diagnostics;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Plugins;
using Kernel.Queue;
using Kernel.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// The delivery pipeline (design.md "How a message flows" step 3–4). One loop claims batches of newly queued
/// messages, routes each recipient and delivers the local ones in one batched mailbox append; remote recipients move
/// to their target's queue, which this worker leases and hands to the matching <see cref="IMailTransport"/>.
/// Failures become DSNs (owed in the queue rows, so a crash never loses one). A commit wakes it at once; a slow poll
/// catches work queued by other processes (the CLI) and retries that come due.
/// </summary>
public sealed class DeliveryWorker : IHostedService, IAsyncDisposable
{
    private const string Inbox = "INBOX";
    private const string HopsHeader = "X-Kernel-Rule-Hops";
    private const int MaxRuleHops = 5;   // rules.md §6.1 loop guard
    private const int DsnBatch = 64;

    private readonly SqliteMessageQueue _queue;
    private readonly IKernelExtensions _extensions;
    private readonly ILocalDelivery _local;
    private readonly IAccountStore _accounts;
    private readonly IMessageFactory _factory;
    private readonly IMessageBus _bus;
    private readonly IMailboxRightsLookup? _rights;
    private readonly ILogger<DeliveryWorker> _logger;
    private readonly QueueOptions _options;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Dictionary<string, Task> _drains = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _drainsGate = new();
    private readonly Stopwatch _sinceExpiryCheck = new();
    private CancellationTokenSource _stopping = new();
    private CancellationTokenSource _hardStop = new();
    private Task? _loop;

    public DeliveryWorker(SqliteMessageQueue queue, IKernelExtensions extensions, ILocalDelivery localDelivery, IAccountStore accounts,
        IMessageFactory messageFactory, IMessageBus bus, ILogger<DeliveryWorker> logger, IMailboxRightsLookup? rights = null)
    {
        _rights = rights;
        _queue = queue;
        _extensions = extensions;
        _local = localDelivery;
        _accounts = accounts;
        _factory = messageFactory;
        _bus = bus;
        _logger = logger;
        _options = queue.Options;
        Id = WorkerName.ForThisProcess().ToString();
    }

    /// <summary>This worker's lease-holder name (unique per instance, so a restarted worker never mistakes old leases for its own).</summary>
    public string Id { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null) throw new InvalidOperationException("the delivery worker is already running");
        _stopping = new CancellationTokenSource();
        _hardStop = new CancellationTokenSource();
        _queue.WorkArrived += Signal;
        _sinceExpiryCheck.Restart();
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
        var all = AllTasks();
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

    private Task[] AllTasks()
    {
        lock (_drainsGate) return [.. _drains.Values, _loop ?? Task.CompletedTask];
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
        await Task.Run(TakeOverFromCrashedWorkers, CancellationToken.None);
        while (!stopping.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy |= await RouteBatchAsync(hard);
                busy |= await SendDsnsAsync(hard);
                if (_sinceExpiryCheck.Elapsed >= _options.PollInterval)
                {
                    _sinceExpiryCheck.Restart();
                    busy |= await ExpireAsync(hard);
                }
                await StartDueDrainsAsync(hard);
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
                await _signal.WaitAsync(NextWait(), stopping);
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
    private void TakeOverFromCrashedWorkers()
    {
        try
        {
            foreach (var holder in _queue.Store.LeaseHolders())
            {
                if (WorkerName.TryParse(holder) is not { } name || !name.IsGone()) continue;
                var (messages, queues) = _queue.Store.ReleaseLeasesOf(holder);
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

    private TimeSpan NextWait()
    {
        var next = _queue.Store.NextWakeUp();
        var now = _queue.Now;
        if (next is null || next <= now) return _options.PollInterval;
        // Compared in milliseconds first: a parked message's "never" is no TimeSpan.
        return next.Value - now < (long)_options.PollInterval.TotalMilliseconds ? TimeSpan.FromMilliseconds(next.Value - now) : _options.PollInterval;
    }

    // ---- routing and local delivery ---------------------------------------------------------------------------

    private async Task<bool> RouteBatchAsync(CancellationToken cancellationToken)
    {
        var now = _queue.Now;
        var claimed = await Task.Run(() => _queue.Store.ClaimUnrouted(Id, now, now + (long)_options.RoutingLease.TotalMilliseconds, _options.RoutingBatch), cancellationToken);
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
                _logger.LogError(e, "delivery worker {Worker}: message {QueueId} could not be routed; will retry", Id, id);
                batch.Forget(id);
                batch.RetryAt[id] = now + (long)_options.RoutingRetry.TotalMilliseconds;
            }
        }
        await DeliverLocalAsync(batch, cancellationToken);
        var (lost, _) = await Task.Run(() => _queue.Store.CompleteRouting(Id, batch.Updates, batch.RetryAt), cancellationToken);
        foreach (var id in lost) _logger.LogWarning("delivery worker {Worker}: lease on message {QueueId} was lost before its routing was recorded", Id, id);
        foreach (var delivered in batch.Delivered.Where(d => !lost.Contains(d.QueueId))) _bus.Publish(delivered);
        if (batch.Updates.Any(u => u.Dsn != DsnPending.None) || batch.RetryAt.Values.Any(r => r <= now)) Signal();
        if (batch.Updates.Any(u => u.State is RecipientState.Waiting)) Signal();
        return true;
    }

    private async Task PlanMessageAsync(QueuedMessage queued, RoutingBatch batch, CancellationToken cancellationToken)
    {
        var m = queued.Message;
        batch.RetryAt[m.Id] = null;
        var work = new MessageWork(queued, _queue.Store.Bodies.Open(m.BodyId, m.BodySize), QueueJson.ReadSource(m.Source), _options.MaxHeaderBytes);

        if (m.Created + (long)_options.Expiry.TotalMilliseconds <= batch.Now)
        {
            foreach (var r in queued.Recipients)
                batch.Updates.Add(Failed(r, "5.4.7", "delivery time expired before the recipient could be routed"));
            return;
        }

        if (_queue.Store.BodyProblem(m) is { } problem)
        {
            // Bad data never loops (issue 3 §8): fail the recipients with the reason naming the file; the DSN says so.
            _logger.LogError("queued message {QueueId}: {Problem}", m.Id, problem);
            foreach (var r in queued.Recipients) batch.Updates.Add(Failed(r, "5.3.0", problem));
            return;
        }

        if (QueueJson.ReadActions(m.Actions) is { } actions) await RunServerActionsAsync(work, actions, batch, cancellationToken);

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
        var router = _extensions.Router;
        var routed = await PluginCallPolicy.RunAsync("router", async ct => (await router.RouteAsync(new RouteRequest(r.Address, RouteKind.Mail, work.Source), ct)).Result,
            _options.RouterTimeout, cancellationToken);
        if (!routed.Succeeded)
        {
            _logger.LogWarning(routed.Exception, "routing {Recipient} of message {QueueId} failed: {Reason}", r.Address, r.MessageId, routed.Failure);
            PostponeAfterPluginFailure(batch, r, routed.Failure!);
            return;
        }
        var route = routed.Value!;

        switch (route)
        {
            case RouteResult.Local local:
                await PlanLocalAsync(work, r, local, batch, cancellationToken);
                break;
            case RouteResult.Group or RouteResult.MailingList:
                await ExpandAsync(work, r, route is RouteResult.Group g ? g.Address : ((RouteResult.MailingList)route).Address, batch, cancellationToken);
                break;
            case RouteResult.Remote remote:
                // The same function answers IMessageQueue.FindQueueForDomainAsync (ETRN/ATRN), so both name the same queue.
                batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, remote.Held ? RecipientState.Held : RecipientState.Waiting,
                    SqliteMessageQueue.TargetQueueOf(remote), QueueJson.WriteRemote(remote), r.Attempts, batch.Now));
                break;
            case RouteResult.Discard:
                batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.Delivered, LastError: "discarded by the router"));
                break;
            case RouteResult.AcceptAndBounce bounce:
                batch.Updates.Add(Failed(r, bounce.Status, "address not accepted for delivery"));
                break;
            case RouteResult.Reject { Reason: RejectReason.TempFailure } temporary:
                Postpone(batch, r, temporary.Text, batch.Now + (long)_options.RoutingRetry.TotalMilliseconds);
                break;
            case RouteResult.Reject reject:
                batch.Updates.Add(Failed(r, reject.EnhancedStatus, reject.Text));
                break;
            default:
                batch.Updates.Add(Failed(r, "5.4.0", $"unsupported route {route.Display}"));
                break;
        }
    }

    private async Task ExpandAsync(MessageWork work, RecipientRow r, AccountAddress group, RoutingBatch batch, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> members;
        try
        {
            members = await _accounts.GetGroupMembersAsync(group, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(e, "expanding {Group} for message {QueueId} failed; will retry", group, r.MessageId);
            Postpone(batch, r, $"group expansion failed: {e.Message}", batch.Now + (long)_options.RoutingRetry.TotalMilliseconds);
            return;
        }
        // Members become recipients of their own (routed in the next pass, durable, each delivered once); an
        // address the message already has is skipped, which also ends a group that contains itself.
        var known = await Task.Run(() => _queue.Store.Addresses(r.MessageId), cancellationToken);
        var added = 0;
        foreach (var member in members.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (known.Contains(member) || !EnvelopeValidation.IsAddress(member)) continue;
            batch.Updates.Add(new RecipientUpdate(r.MessageId, null, RecipientState.New, Address: member, Orcpt: r.Orcpt ?? $"rfc822;{r.Address}", Notify: r.Notify));
            added++;
        }
        batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.Delivered, LastError: $"expanded to {added} members"));
        if (added > 0) batch.RetryAt[r.MessageId] = batch.Now; // route the members at once
        _logger.LogInformation("message {QueueId}: {Group} expanded to {Count} members", r.MessageId, group, added);
    }

    private async Task PlanLocalAsync(MessageWork work, RecipientRow r, RouteResult.Local local, RoutingBatch batch, CancellationToken cancellationToken)
    {
        var outcome = RuleOutcome.Continue;
        var engine = _extensions.RuleEngine;
        if (engine is not null)
        {
            var header = await work.HeaderAsync(cancellationToken);
            var input = new RuleInput(work.EnvelopeFor(r), header.Fields, work.Body.Length, work.Body);
            var evaluated = await PluginCallPolicy.RunAsync("delivery rules", ct => engine.EvaluateDeliveryAsync(input, local.Account, ct), _options.RuleTimeout, cancellationToken);
            if (!evaluated.Succeeded)
            {
                // design.md: a rule timeout or exception is a temporary failure, never a lost message.
                _logger.LogWarning(evaluated.Exception, "delivery rules for {Account} failed on message {QueueId}: {Reason}", local.Account, r.MessageId, evaluated.Failure);
                PostponeAfterPluginFailure(batch, r, evaluated.Failure!);
                return;
            }
            outcome = evaluated.Value!;
        }

        if (outcome.RejectText is not null)
        {
            // rules.md §6.1: Account-scope Reject → failure DSN with 5.7.1 and the text; nothing else of this run happens.
            batch.Updates.Add(Failed(r, "5.7.1", outcome.RejectText));
            return;
        }

        await SendCopiesAsync(work, r, local.Account, outcome, cancellationToken);

        var body = work.Body;
        if (outcome.HeaderEdits.Count > 0)
        {
            var header = await work.HeaderAsync(cancellationToken);
            await using var edited = header.OpenEdited(work.Body, outcome.HeaderEdits);
            body = await _queue.Store.Bodies.WriteAsync(edited, cancellationToken);
        }
        var (flags, keywords) = MailboxTarget.SplitFlags(outcome.AddFlags);
        var pending = new PendingRecipient(r, local.Account);
        foreach (var store in outcome.Stores)
        {
            var (owner, mailbox) = (local.Account, store.Mailbox);
            if (MailboxTarget.IsForeign(store.Mailbox))
            {
                // rules.md §6.1: a foreign target needs "i" for the rule owner; the fast path stores as the System, so
                // the owner's rights are asked first. Refused → logged, and default delivery (INBOX) as for any failed store.
                var refusal = await ForeignStoreRefusalAsync(local.Account, store.Mailbox, cancellationToken);
                if (refusal is not null)
                {
                    _logger.LogWarning("message {QueueId}: rule store into {Mailbox} for {Account} refused ({Reason}); delivering to INBOX",
                        r.MessageId, store.Mailbox, local.Account, refusal);
                    pending.NeedsFallback = true;
                    continue;
                }
                (owner, mailbox) = MailboxTarget.ParseForeign(store.Mailbox, local.Account.Domain)!;
            }
            pending.Items.Add(batch.AddLocal(pending, new LocalDeliveryItem(owner, mailbox, body, flags | store.Flags, keywords, DeliveryKey(r, store.Mailbox)), fallback: true));
        }
        if (outcome.DefaultDelivery || pending.NeedsFallback)
            pending.Items.Add(batch.AddLocal(pending, new LocalDeliveryItem(local.Account, local.Mailbox ?? Inbox, body, flags, keywords, DeliveryKey(r, local.Mailbox ?? Inbox)), fallback: false));
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
        if (_rights is null) return "no rights check available";
        try
        {
            var rights = await _rights.GetRightsAsync(Principal.User(account), mailbox, cancellationToken);
            return rights.HasFlag(MailboxRights.Insert) ? null : $"{account} lacks the insert right";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return $"rights check failed: {e.Message}";
        }
    }

    private async Task DeliverLocalAsync(RoutingBatch batch, CancellationToken cancellationToken)
    {
        var round = batch.LocalItems.ToList();
        while (round.Count > 0)
        {
            IReadOnlyList<LocalDeliveryResult> results;
            try
            {
                results = await _local.DeliverAsync(round.Select(i => i.Item).ToList(), cancellationToken);
                if (results.Count != round.Count) throw new InvalidOperationException($"local delivery returned {results.Count} results for {round.Count} items");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(e, "local delivery of {Count} items failed; their messages will be retried", round.Count);
                foreach (var p in round.Select(i => i.Owner).OfType<PendingRecipient>().Distinct())
                {
                    Postpone(batch, p.Row, $"local delivery failed: {e.Message}", batch.Now + (long)_options.RoutingRetry.TotalMilliseconds);
                    p.Abandoned = true;
                }
                break;
            }
            var next = new List<LocalWork>();
            for (var i = 0; i < round.Count; i++)
            {
                var (work, result) = (round[i], results[i]);
                var p = work.Owner;
                if (p is null)
                {
                    if (result.Error is not null)
                        _logger.LogWarning("server-wide rule store into {Mailbox} of {Account} failed: {Error} {Text}", work.Item.Mailbox, work.Item.Owner, result.Error, result.ErrorText);
                    continue;
                }
                if (result.Appended is { } appended)
                {
                    p.Succeeded = true;
                    batch.Delivered.Add(new MessageDelivered(p.Row.MessageId, p.Row.Address, work.Item.Owner, work.Item.Mailbox, appended.Uid));
                    continue;
                }
                _logger.LogWarning("message {QueueId}: cannot store into {Mailbox} of {Account}: {Error} {Text}", p.Row.MessageId, work.Item.Mailbox,
                    work.Item.Owner, result.Error, result.ErrorText);
                if (work.Fallback && !p.Items.Any(x => !x.Fallback))
                {
                    // rules.md §6.1: a failed "Store in" falls back to default delivery (INBOX), once.
                    var inbox = new LocalWork(p, work.Item with { Mailbox = Inbox, DeliveryKey = DeliveryKey(p.Row, Inbox) }, Fallback: false);
                    p.Items.Add(inbox);
                    next.Add(inbox);
                    continue;
                }
                if (!work.Fallback) p.Failure = (result.Error, result.ErrorText);
            }
            round = next;
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
                Postpone(batch, p.Row, quota.Text ?? "mailbox is over quota", batch.Now + (long)RetrySchedule.After(attempts, _options).TotalMilliseconds, attempts);
            }
            else
            {
                var (error, text) = p.Failure ?? (MailboxError.NonExistent, "no mailbox to deliver to");
                var status = error == MailboxError.NonExistent ? "5.1.1" : "5.2.0";
                batch.Updates.Add(Failed(p.Row, status, text ?? $"mailbox error {error}"));
            }
        }
    }

    /// <summary>
    /// The idempotency key of one mailbox append (007_delivery_keys.sql): the append and "recipient delivered" commit in
    /// two transactions (mailbox store, then queue), so a crash between them routes the message again after restart;
    /// the key makes the mailbox store answer that second append with the first one's result instead of a second copy.
    /// </summary>
    private static string DeliveryKey(RecipientRow r, string mailbox) => $"{r.MessageId}/{r.Idx}/{MailboxName.Canonical(mailbox)}";

    /// <summary>A recipient that cannot be routed now: it stays New and its message is tried again at <paramref name="retryAt"/>.</summary>
    private static void Postpone(RoutingBatch batch, RecipientRow r, string error, long retryAt, long? attempts = null)
    {
        batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.New, Attempts: attempts ?? r.Attempts, NextAttempt: retryAt, LastError: error));
        var current = batch.RetryAt.GetValueOrDefault(r.MessageId);
        batch.RetryAt[r.MessageId] = current is null ? retryAt : Math.Min(current.Value, retryAt);
    }

    /// <summary>A plugin (router, rules) failed for this recipient: retried after <see cref="QueueOptions.RoutingRetry"/>, parked once it failed <see cref="QueueOptions.ParkAfterFailures"/> times in a row.</summary>
    private void PostponeAfterPluginFailure(RoutingBatch batch, RecipientRow r, string reason)
    {
        var attempts = r.Attempts + 1;
        if (attempts < _options.ParkAfterFailures)
        {
            Postpone(batch, r, reason, batch.Now + (long)_options.RoutingRetry.TotalMilliseconds, attempts);
            return;
        }
        _logger.LogError("message {QueueId}: recipient {Recipient} parked after {Attempts} plugin failures in a row: {Reason}", r.MessageId, r.Address, attempts, reason);
        batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.New, Attempts: attempts, NextAttempt: null, LastError: Parking.Reason(attempts, reason, r.MessageId)));
        Parking.KeepParked(batch.RetryAt, r.MessageId);
    }

    private static RecipientUpdate Failed(RecipientRow r, string status, string text) =>
        new(r.MessageId, r.Idx, RecipientState.Failed, r.Queue, r.Target, r.Attempts, null, text, status, null, DsnPending.Failed);

    // ---- rule actions that send ---------------------------------------------------------------------------------

    private async Task RunServerActionsAsync(MessageWork work, ServerRuleActions actions, RoutingBatch batch, CancellationToken cancellationToken)
    {
        if (actions.Stores.Count > 0)
        {
            string? mainDomain = null;
            try { mainDomain = await _accounts.GetMainDomainAsync(cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException) { _logger.LogWarning(e, "cannot read the Main Domain for server-wide rule stores"); }
            var (flags, keywords) = MailboxTarget.SplitFlags(actions.Flags);
            foreach (var store in actions.Stores)
            {
                // rules.md §6.1: at server scope "~acct/box" is an account of the Main Domain; no ACL check (system authority).
                if (MailboxTarget.ParseForeign(store.Mailbox, mainDomain) is { } target)
                    batch.AddLocal(null, new LocalDeliveryItem(target.Owner, target.Mailbox, work.Body, flags | store.Flags, keywords,
                        $"{work.Message.Message.Id}/server/{target.Owner}/{MailboxName.Canonical(target.Mailbox)}"), fallback: false, work.Message.Message.Id);
                else
                    _logger.LogWarning("message {QueueId}: server-wide rule store target {Mailbox} is not a ~account/mailbox name", work.Message.Message.Id, store.Mailbox);
            }
        }
        foreach (var send in actions.Sends)
            await SendCopyAsync(work, send, work.Message.Message.Sender, null, cancellationToken);
    }

    private async Task SendCopiesAsync(MessageWork work, RecipientRow r, AccountAddress account, RuleOutcome outcome, CancellationToken cancellationToken)
    {
        foreach (var send in outcome.Sends)
        {
            if (AccountAddress.TryParse(send.Address, null, out var to) && to == account) continue; // never to itself (rules.md §6.1)
            // Redirect/Forward: the envelope sender becomes the account; Mirror keeps the original (rules.md §6).
            var sender = send.Mode == OutboundCopyMode.Mirror ? work.Message.Message.Sender : account.ToString();
            await SendCopyAsync(work, send, sender, account, cancellationToken);
        }
        if (outcome.Replies.Count == 0) return;
        var header = await work.HeaderAsync(cancellationToken);
        var autoSubmitted = header.Get("Auto-Submitted");
        if (work.Message.Message.Sender.Length == 0 || autoSubmitted is not null && !autoSubmitted.Equals("no", StringComparison.OrdinalIgnoreCase))
            return; // RFC 3834 §2: never answer a bounce or an automatic message
        foreach (var reply in outcome.Replies)
        {
            try
            {
                var generated = _factory.BuildReply(reply, header.Fields);
                await SubmitGeneratedAsync(generated, "rules", runRules: true, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(e, "message {QueueId}: auto-reply to {To} failed", r.MessageId, reply.To);
            }
        }
    }

    private async Task SendCopyAsync(MessageWork work, OutboundCopy send, string sender, AccountAddress? account, CancellationToken cancellationToken)
    {
        var id = work.Message.Message.Id;
        try
        {
            var header = await work.HeaderAsync(cancellationToken);
            var hops = int.TryParse(header.Get(HopsHeader), out var n) ? n : 0;
            if (hops >= MaxRuleHops)
            {
                _logger.LogWarning("message {QueueId}: not sent on to {Address}: {Hops} rule hops already (loop guard)", id, send.Address, hops);
                return;
            }
            var envelope = new Envelope { Sender = sender, Recipients = [new EnvelopeRecipient { Address = send.Address }], Source = RequestSource.InternalSource("rules") };
            if (send.Mode == OutboundCopyMode.Forward && account is not null)
            {
                // rules.md §6: Forward is a new message from the Account carrying the original (not a redirect).
                EnsureQueued(await _queue.SubmitInternalAsync(envelope,
                    () => ForwardedMessage.Open(header, work.Body, account, send.Address, hops + 1, _options.ServerName, _queue.Time.GetUtcNow()), runRules: true, cancellationToken));
                return;
            }
            var edits = new List<HeaderEdit> { new(HopsHeader, null), new(HopsHeader, (hops + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            if (send.Mode != OutboundCopyMode.Mirror && account is not null)
            {
                // RFC 5322 §3.6.6 resent fields for a redirected message.
                edits.Add(new HeaderEdit("Resent-From", $"<{account}>"));
                edits.Add(new HeaderEdit("Resent-To", $"<{send.Address}>"));
                edits.Add(new HeaderEdit("Resent-Date", _queue.Time.GetUtcNow().ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture)));
            }
            // The edited copy streams straight into its body file (no copy in memory).
            EnsureQueued(await _queue.SubmitInternalAsync(envelope, () => header.OpenEdited(work.Body, edits), runRules: true, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // rules.md §8: a failing action never blocks other actions or default delivery.
            _logger.LogWarning(e, "message {QueueId}: rule copy to {Address} failed", id, send.Address);
        }
    }

    private async Task<SubmitResult> SubmitGeneratedAsync(GeneratedMessage generated, string protocol, bool runRules, CancellationToken cancellationToken)
    {
        var envelope = new Envelope
        {
            Sender = generated.Sender,
            Recipients = generated.Recipients.Select(a => new EnvelopeRecipient { Address = a }).ToList(),
            Source = RequestSource.InternalSource(protocol),
        };
        return EnsureQueued(await _queue.SubmitInternalAsync(envelope, generated.Body, runRules, cancellationToken));
    }

    /// <summary>A refused internal submission is a failure of the action that made it: the callers log it and, for a DSN, try again later.</summary>
    private static SubmitResult EnsureQueued(SubmitResult result) =>
        result.Accepted ? result : throw new IOException($"the queue refused it: {result.Code} {result.Text}");

    // ---- DSNs and expiry ----------------------------------------------------------------------------------------

    private async Task<bool> SendDsnsAsync(CancellationToken cancellationToken)
    {
        var pending = await Task.Run(() => _queue.Store.PendingDsns(DsnBatch), cancellationToken);
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
                        var failed = group.Key == DsnPending.Failed;
                        // RFC 3464 §2.3.3: a success handed to another MTA is "relayed"; into a mailbox, "delivered".
                        var statuses = wanted.Select(r => new DsnRecipientStatus(r.Address, r.Orcpt,
                            group.Key switch
                            {
                                DsnPending.Failed => DsnAction.Failed,
                                DsnPending.Delayed => DsnAction.Delayed,
                                _ => r.Queue is null ? DsnAction.Delivered : DsnAction.Relayed,
                            },
                            r.Status ?? (failed ? "5.0.0" : group.Key == DsnPending.Delayed ? "4.0.0" : "2.0.0"), r.RemoteMta,
                            r.LastError is null ? null : $"smtp; {r.LastError}")).ToList();
                        // A damaged original still gets its DSN, without the original attached.
                        MessageBody original = _queue.Store.BodyProblem(m) is null ? _queue.Store.Bodies.Open(m.BodyId, m.BodySize) : MessageBody.FromBytes(Array.Empty<byte>());
                        var request = new DsnRequest(SqliteMessageQueue.EnvelopeOf(m, q.Recipients.Select(SqliteMessageQueue.RecipientOf).ToList()),
                            original, _options.ServerName, DateTimeOffset.FromUnixTimeMilliseconds(m.Created), statuses);
                        var action = statuses[0].Action;
                        var dsn = _factory.BuildDeliveryStatusNotification(request);
                        var result = await SubmitGeneratedAsync(dsn with { Sender = "" }, "dsn", runRules: false, cancellationToken);
                        _logger.LogInformation("message {QueueId}: {Action} DSN for {Count} recipients queued as {DsnId}", m.Id, action, wanted.Count, result.QueueId);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        _logger.LogError(e, "message {QueueId}: DSN could not be sent; will retry", m.Id);
                        return false; // leave it owed; the next poll tries again
                    }
                }
                var idxs = group.Select(r => r.Idx).ToList();
                await Task.Run(() => _queue.Store.DsnSent(m.Id, idxs, group.Key), cancellationToken);
            }
        }
        return pending.Count > 0;
    }

    private static bool Wants(DsnNotify notify, DsnPending kind) => kind switch
    {
        _ when notify.HasFlag(DsnNotify.Never) => false,
        DsnPending.Failed => notify == DsnNotify.Default || notify.HasFlag(DsnNotify.Failure),
        DsnPending.Delivered => notify.HasFlag(DsnNotify.Success),
        DsnPending.Delayed => notify.HasFlag(DsnNotify.Delay),
        _ => false,
    };

    private async Task<bool> ExpireAsync(CancellationToken cancellationToken)
    {
        var now = _queue.Now;
        var expired = await Task.Run(() => _queue.Store.Expired(now - (long)_options.Expiry.TotalMilliseconds, now, 256), cancellationToken);
        foreach (var q in expired)
        {
            var updates = q.Recipients.Select(r => Failed(r, "5.4.7", $"delivery time expired; last error: {r.LastError ?? "none"}")).ToList();
            await Task.Run(() => _queue.Store.RecordOutcomes(q.Message.Id, updates), cancellationToken);
            _logger.LogInformation("message {QueueId}: {Count} recipients expired", q.Message.Id, updates.Count);
        }
        return expired.Count > 0;
    }

    // ---- remote delivery ----------------------------------------------------------------------------------------

    private async Task StartDueDrainsAsync(CancellationToken cancellationToken)
    {
        lock (_drainsGate)
        {
            if (_drains.Count >= _options.ParallelQueues) return;
        }
        var now = _queue.Now;
        var due = await Task.Run(() => _queue.Store.DueQueues(now, _options.ParallelQueues * 4), cancellationToken);
        foreach (var (name, target) in due)
        {
            lock (_drainsGate)
            {
                if (_drains.Count >= _options.ParallelQueues) return;
                if (_drains.ContainsKey(name)) continue;
            }
            var transportName = QueueJson.ReadRemote(target).Transport;
            var transport = _extensions.MailTransports.FirstOrDefault(t => t.Name.Equals(transportName, StringComparison.OrdinalIgnoreCase));
            if (transport is null) continue; // stays queued until a plugin supplies that transport
            var lease = await _queue.LeaseCoreAsync(name, Id, _options.DeliveryLease, includeHeld: false, cancellationToken);
            if (lease is null) continue;
            lock (_drainsGate) _drains[name] = Task.Run(() => DrainAsync(lease, transport), CancellationToken.None);
        }
    }

    private async Task DrainAsync(IQueueLease lease, IMailTransport transport)
    {
        var hard = _hardStop.Token;
        try
        {
            await using (lease)
            {
                while (!_stopping.IsCancellationRequested)
                {
                    var message = await lease.NextAsync(hard);
                    if (message is null) break;
                    IReadOnlyList<RecipientOutcome> outcomes;
                    try
                    {
                        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(hard);
                        deadline.CancelAfter(_options.TransportTimeout);
                        outcomes = await transport.DeliverAsync(message, deadline.Token).WaitAsync(deadline.Token);
                    }
                    catch (Exception e) when (!hard.IsCancellationRequested)
                    {
                        // IMailTransport contract: an exception or timeout is a temporary failure for every recipient.
                        _logger.LogWarning(e, "transport {Transport} failed on message {QueueId} for queue {Queue}", transport.Name, message.QueueId, lease.Queue);
                        var text = e is OperationCanceledException ? "transport timed out" : $"transport failed: {e.Message}";
                        outcomes = message.Recipients.Select(r => new RecipientOutcome(r.Address, DeliveryOutcome.TemporaryFailure, "4.4.0", text)).ToList();
                    }
                    await lease.CompleteAsync(message, outcomes, hard);
                }
            }
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested)
        {
            // Stopped at the deadline: the lease ends or expires and the messages are still queued.
        }
        catch (Exception e)
        {
            _logger.LogError(e, "delivery of queue {Queue} failed", lease.Queue);
        }
        finally
        {
            lock (_drainsGate) _drains.Remove(lease.Queue);
            Signal();
        }
    }

    // ---- per-batch state ----------------------------------------------------------------------------------------

    private sealed class RoutingBatch(long now)
    {
        public long Now { get; } = now;
        public List<RecipientUpdate> Updates { get; } = [];
        public Dictionary<string, long?> RetryAt { get; } = new(StringComparer.Ordinal);
        public List<LocalWork> LocalItems { get; } = [];
        public List<PendingRecipient> Pending { get; } = [];
        public List<MessageDelivered> Delivered { get; } = [];

        /// <summary>Drops everything planned for one message (its routing failed part-way).</summary>
        public void Forget(string messageId)
        {
            Updates.RemoveAll(u => u.MessageId == messageId);
            LocalItems.RemoveAll(w => w.Owner?.Row.MessageId == messageId || w.MessageId == messageId);
            Pending.RemoveAll(p => p.Row.MessageId == messageId);
        }

        public LocalWork AddLocal(PendingRecipient? owner, LocalDeliveryItem item, bool fallback, string? messageId = null)
        {
            var work = new LocalWork(owner, item, fallback, messageId ?? owner?.Row.MessageId);
            LocalItems.Add(work);
            return work;
        }
    }

    /// <summary>One mailbox append; <see cref="Owner"/> null for a server-wide rule's copy (no recipient row to update).</summary>
    private sealed record LocalWork(PendingRecipient? Owner, LocalDeliveryItem Item, bool Fallback, string? MessageId = null);

    private sealed class PendingRecipient(RecipientRow row, AccountAddress? account)
    {
        public RecipientRow Row { get; } = row;
        public AccountAddress? Account { get; } = account;
        public List<LocalWork> Items { get; } = [];
        public bool NeedsFallback { get; set; }
        public bool Succeeded { get; set; }
        public bool Abandoned { get; set; }
        public (MailboxError? Error, string? Text)? Failure { get; set; }
    }

    private sealed class MessageWork(QueuedMessage message, StoredBody body, RequestSource source, int maxHeaderBytes)
    {
        private HeaderBlock? _header;

        public QueuedMessage Message { get; } = message;
        public StoredBody Body { get; } = body;
        public RequestSource Source { get; } = source;

        public async Task<HeaderBlock> HeaderAsync(CancellationToken cancellationToken) =>
            _header ??= await HeaderBlock.ReadAsync(Body, maxHeaderBytes, cancellationToken);

        public Envelope EnvelopeFor(RecipientRow r) => SqliteMessageQueue.EnvelopeOf(Message.Message, [SqliteMessageQueue.RecipientOf(r)]);
    }
}
