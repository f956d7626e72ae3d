using System.Threading.Channels;
using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Storage;
using Microsoft.Extensions.Logging;

namespace Kernel.Queue;

/// <summary>
/// The durable queue on the embedded SQLite store. A submission runs the server-wide rules (rules.md §1), writes and
/// fsyncs the body, then hands its rows to one writer that commits every waiting submission in one transaction
/// (group commit: one WAL fsync for the batch); the caller gets its id only after that commit.
/// </summary>
public sealed class SqliteMessageQueue : IMessageQueue, IAsyncDisposable
{
    private readonly IKernelExtensions _extensions;
    private readonly IMessageBus _bus;
    private readonly ILogger<SqliteMessageQueue> _logger;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SqliteMessageQueue(SqliteDatabase database, BodyStore bodies, IKernelExtensions extensions, IMessageBus bus, TimeProvider time,
        ILogger<SqliteMessageQueue> logger, QueueOptions? options = null)
    {
        Store = new SqliteQueueStore(database, bodies);
        _extensions = extensions;
        _bus = bus;
        Time = time;
        _logger = logger;
        Options = options ?? new QueueOptions();
        _writer = Task.Run(WriteLoopAsync);
    }

    internal SqliteQueueStore Store { get; }

    internal QueueOptions Options { get; }

    internal TimeProvider Time { get; }

    /// <summary>Raised after new work became due (a commit, a release, a retry): the delivery worker wakes at once.</summary>
    internal event Action? WorkArrived;

    internal long Now => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<SubmitResult> SubmitAsync(Envelope envelope, MessageBody body, CancellationToken cancellationToken = default) =>
        SubmitCoreAsync(envelope, body, runRules: true, cancellationToken);

    /// <summary>The server's own submissions: DSNs skip the server-wide rules (rules.md §1); rule-made copies pass them.</summary>
    internal Task<SubmitResult> SubmitInternalAsync(Envelope envelope, MessageBody body, bool runRules, CancellationToken cancellationToken) =>
        SubmitCoreAsync(envelope, body, runRules, cancellationToken);

    private async Task<SubmitResult> SubmitCoreAsync(Envelope envelope, MessageBody body, bool runRules, CancellationToken cancellationToken)
    {
        EnvelopeValidation.Validate(envelope, Options.MaxRecipients);
        ArgumentNullException.ThrowIfNull(body);
        cancellationToken.ThrowIfCancellationRequested();

        var outcome = RuleOutcome.Continue;
        HeaderBlock? header = null;
        var engine = runRules ? _extensions.RuleEngine : null;
        if (engine is not null)
        {
            header = await ReadHeaderAsync(body, cancellationToken);
            outcome = await EvaluateServerRulesAsync(engine, new RuleInput(envelope, header.Fields, body.Length, body), cancellationToken);
            if (outcome.RejectText is not null)
            {
                _logger.LogInformation("submission from {Sender} rejected by a server-wide rule: {Reason}", envelope.Sender, outcome.RejectText);
                return SubmitResult.Rejected(outcome.RejectText);
            }
        }

        var id = NewId();
        var actions = new ServerRuleActions(outcome.Stores, outcome.Sends, outcome.AddFlags);
        var discarded = !outcome.DefaultDelivery;
        if (discarded && actions.IsEmpty)
        {
            // rules.md §6 Discard at server scope: accepted, delivered to no one; nothing needs storing.
            _logger.LogInformation("message {QueueId} from {Sender} discarded by a server-wide rule", id, envelope.Sender);
            return SubmitResult.Queued(id);
        }

        StoredBody stored;
        try
        {
            await using var content = outcome.HeaderEdits.Count > 0 ? header!.OpenEdited(body, outcome.HeaderEdits) : body.OpenRead();
            stored = await Store.Bodies.WriteAsync(content, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QueueTemporaryFailureException($"cannot store the message body: {e.Message}", e);
        }

        var write = new PendingWrite(new NewMessage(id, envelope.Sender, envelope.EnvelopeId, (int)envelope.Return, QueueJson.WriteSource(envelope.Source),
            stored, Now, QueueJson.WriteActions(actions), envelope.Recipients, discarded));
        if (!_writes.Writer.TryWrite(write))
        {
            Store.Bodies.DeleteFile(stored.Id);
            throw new QueueTemporaryFailureException("the queue is shutting down");
        }
        try
        {
            // Not cancellable once handed over: the commit is a few milliseconds, and answering before it ends
            // would leave the caller unsure whether the message was queued.
            await write.Committed.Task;
        }
        catch (Exception e)
        {
            Store.Bodies.DeleteFile(stored.Id);
            throw new QueueTemporaryFailureException($"cannot store the message: {e.Message}", e);
        }
        _bus.Publish(new MessageSubmitted(id, envelope.Sender, envelope.Recipients.Count));
        return SubmitResult.Queued(id);
    }

    private async Task<HeaderBlock> ReadHeaderAsync(MessageBody body, CancellationToken cancellationToken)
    {
        try
        {
            return await HeaderBlock.ReadAsync(body, Options.MaxHeaderBytes, cancellationToken);
        }
        catch (IOException e)
        {
            throw new QueueTemporaryFailureException($"cannot read the message: {e.Message}", e);
        }
    }

    private async Task<RuleOutcome> EvaluateServerRulesAsync(IRuleEngine engine, RuleInput input, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.RuleTimeout);
        try
        {
            // WaitAsync: a rule engine that ignores its token still cannot hold the submission past the deadline.
            return await engine.EvaluateServerAsync(input, deadline.Token).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            _logger.LogWarning("server-wide rules did not answer within {Timeout} for a message from {Sender}", Options.RuleTimeout, input.Envelope.Sender);
            throw new QueueTemporaryFailureException($"server-wide rules did not answer within {Options.RuleTimeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "server-wide rules failed for a message from {Sender}", input.Envelope.Sender);
            throw new QueueTemporaryFailureException($"server-wide rules failed: {e.Message}", e);
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(Options.CommitBatch);
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < Options.CommitBatch && reader.TryRead(out var next)) batch.Add(next);
            try
            {
                Store.Insert(batch.Select(b => b.Message).ToList());
            }
            catch (Exception e)
            {
                _logger.LogError(e, "queue commit of {Count} messages failed", batch.Count);
                foreach (var w in batch) w.Committed.TrySetException(e);
                continue;
            }
            Interlocked.Increment(ref _commits);
            foreach (var w in batch) w.Committed.TrySetResult();
            Wake();
        }
    }

    internal void Wake() => WorkArrived?.Invoke();

    private long _commits;

    /// <summary>Transactions the group-commit writer has committed (tests and the benchmark compare it with submissions).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    public async Task<int> ReleaseAsync(string queue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var count = await Task.Run(() => Store.ReleaseQueue(queue, Now), cancellationToken);
        _logger.LogInformation("queue {Queue} released with {Count} messages", queue, count);
        _bus.Publish(new QueueReleased(queue, count));
        if (count > 0) Wake();
        return count;
    }

    public Task<IQueueLease?> LeaseQueueAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseCoreAsync(queue, holder, duration, includeHeld: true, cancellationToken);

    /// <summary>The scheduler's lease: like an ATRN lease, but held recipients stay where they are.</summary>
    internal async Task<IQueueLease?> LeaseCoreAsync(string queue, string holder, TimeSpan duration, bool includeHeld, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "a lease needs a positive duration");
        var token = Guid.NewGuid().ToString("N");
        var now = Now;
        var acquired = await Task.Run(() => Store.TryLease(queue, holder, token, now, now + (long)duration.TotalMilliseconds), cancellationToken);
        return acquired ? new SqliteQueueLease(this, queue, token, duration, includeHeld, _bus, _logger) : null;
    }

    public async Task<IReadOnlyList<QueueEntry>> ListAsync(string? queue = null, CancellationToken cancellationToken = default) =>
        (await Task.Run(() => Store.List(queue), cancellationToken)).Select(ToEntry).ToList();

    public async Task<QueueEntry?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var message = await Task.Run(() => Store.Get(id), cancellationToken);
        return message is null ? null : ToEntry(message);
    }

    public async Task<MessageBody?> OpenBodyAsync(string id, CancellationToken cancellationToken = default)
    {
        var message = await Task.Run(() => Store.Get(id), cancellationToken);
        return message is null ? null : Store.Bodies.Open(message.Message.BodyId, message.Message.BodySize);
    }

    public async Task<bool> RetryAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await Task.Run(() => Store.Retry(id, Now), cancellationToken);
        if (found) Wake();
        return found;
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        Task.Run(() => Store.Delete(id), cancellationToken);

    internal static Envelope EnvelopeOf(MessageRow m, IReadOnlyList<EnvelopeRecipient> recipients) =>
        new(m.Sender, recipients, QueueJson.ReadSource(m.Source), m.EnvelopeId, (DsnReturn)m.Ret);

    internal static EnvelopeRecipient RecipientOf(RecipientRow r) => new(r.Address, r.Orcpt, (DsnNotify)r.Notify);

    private static QueueEntry ToEntry(QueuedMessage q) => new(
        q.Message.Id, q.Message.Sender, DateTimeOffset.FromUnixTimeMilliseconds(q.Message.Created), q.Message.BodySize,
        q.Recipients.Select(r => new QueueRecipient(r.Address, r.Orcpt, (RecipientState)r.State, r.Queue, (int)r.Attempts,
            r.NextAttempt is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null, r.LastError)).ToList(),
        QueueJson.ReadSource(q.Message.Source));

    // Time-ordered (so ids sort by arrival) and unique across processes (the CLI submits too).
    private static string NewId() => Guid.CreateVersion7().ToString("N").ToUpperInvariant();

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer;
    }

    private sealed class PendingWrite(NewMessage message)
    {
        public NewMessage Message { get; } = message;

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
