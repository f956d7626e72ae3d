using System.Threading.Channels;
using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Storage;
using Microsoft.Extensions.Logging;

namespace Kernel.Queue;

/// <summary>
/// The durable queue on the embedded SQLite store. A submission (<see cref="QueueSubmission"/>, streamed or whole)
/// writes the body into the body store's temporary file as it arrives; its commit runs the server-wide rules
/// (rules.md §1) on the header read back from that file, fsyncs and renames the body, then hands its rows to one
/// writer that syncs the body folders once and commits every waiting submission in one transaction (group commit: one
/// WAL fsync and one fsync per body folder for the batch); the caller gets its id only after that commit.
/// </summary>
public sealed partial class SqliteMessageQueue : IMessageQueue, IAsyncDisposable
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
        Outcomes = new OutcomeCommitter(Store, logger);
    }

    internal SqliteQueueStore Store { get; }

    /// <summary>The group commit for delivery outcomes of leased queues.</summary>
    internal OutcomeCommitter Outcomes { get; }

    internal QueueOptions Options { get; }

    internal TimeProvider Time { get; }

    /// <summary>Raised after new work became due (a commit, a release, a retry): the delivery worker wakes at once.</summary>
    internal event Action? WorkArrived;

    internal long Now => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The server-wide rule engine now (plugins come and go), or null.</summary>
    internal IRuleEngine? RuleEngine => _extensions.RuleEngine;

    internal ILogger Logger => _logger;

    public Task<IMessageSubmission> BeginSubmitAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        EnvelopeValidation.Validate(envelope, Options.MaxRecipients);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IMessageSubmission>(QueueSubmission.Begin(this, envelope, runRules: true, Options.MaxMessageSize));
    }

    public Task<SubmitResult> SubmitAsync(Envelope envelope, MessageBody body, CancellationToken cancellationToken = default)
    {
        EnvelopeValidation.Validate(envelope, Options.MaxRecipients);
        ArgumentNullException.ThrowIfNull(body);
        return SubmitCoreAsync(envelope, body.OpenRead, runRules: true, Options.MaxMessageSize, cancellationToken);
    }

    /// <summary>
    /// The server's own submissions: DSNs skip the server-wide rules (rules.md §1); rule-made copies pass them. No size
    /// limit: they carry mail the server already accepted. <paramref name="content"/> is read once, straight into the body file.
    /// </summary>
    internal Task<SubmitResult> SubmitInternalAsync(Envelope envelope, Func<Stream> content, bool runRules, CancellationToken cancellationToken, string? generatedKey = null)
    {
        EnvelopeValidation.Validate(envelope, Options.MaxRecipients);
        return SubmitCoreAsync(envelope, content, runRules, long.MaxValue, cancellationToken, generatedKey);
    }

    internal Task<SubmitResult> SubmitInternalAsync(Envelope envelope, MessageBody body, bool runRules, CancellationToken cancellationToken) =>
        SubmitInternalAsync(envelope, body.OpenRead, runRules, cancellationToken);

    /// <summary>A whole body takes the streaming path: copied once into the body file, then committed like any submission.</summary>
    private async Task<SubmitResult> SubmitCoreAsync(Envelope envelope, Func<Stream> open, bool runRules, long maxSize, CancellationToken cancellationToken, string? generatedKey = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var submission = QueueSubmission.Begin(this, envelope, runRules, maxSize);
        submission.GeneratedKey = generatedKey;
        try
        {
            await using var content = open();
            await submission.CopyFromAsync(content, cancellationToken);
        }
        catch (Exception e) when (StorageFailure.Is(e))
        {
            // The given body could not be read (a missing file): nothing is stored; the caller may try again.
            _logger.LogError(e, "submission from {Sender}: cannot read the message body", envelope.Sender);
            return StorageFailure.Result(e);
        }
        return await submission.CommitAsync(cancellationToken);
    }

    /// <summary>Hands a stored body's rows to the group-commit writer and waits for the commit; on any failure the body file goes.</summary>
    internal async Task<SubmitResult> EnqueueAsync(NewMessage message, Envelope envelope)
    {
        var write = new PendingWrite(message);
        if (_writes.Writer.TryWrite(write)) Interlocked.Increment(ref _handedOver);
        else
        {
            Store.Bodies.DeleteFile(message.Body.Id);
            return SubmitResult.Temporary("4.3.2", "the mail system is shutting down; try again later"); // RFC 3463 §3.4: system not accepting messages
        }
        try
        {
            // Not cancellable once handed over: the commit is a few milliseconds, and answering before it ends
            // would leave the caller unsure whether the message was queued.
            await write.Committed.Task;
        }
        catch (Exception e)
        {
            Store.Bodies.DeleteFile(message.Body.Id);
            _logger.LogError(e, "submission from {Sender}: the queue commit failed", envelope.Sender);
            return StorageFailure.Result(e);
        }
        _bus.Publish(new MessageSubmitted(message.Id, envelope.Sender, envelope.Recipients.Count));
        return SubmitResult.Queued(message.Id);
    }

    /// <summary>
    /// Runs the server-wide rules under <see cref="QueueOptions.RuleTimeout"/>. A timeout or an exception is a temporary
    /// failure (design.md: never a lost message, never an accepted one that skipped the rules).
    /// </summary>
    internal async Task<(RuleOutcome? Outcome, SubmitResult? Failure)> EvaluateServerRulesAsync(IRuleEngine engine, RuleInput input, CancellationToken cancellationToken)
    {
        // The one plugin-call policy: WaitAsync, so a rule engine that ignores its token still cannot hold the submission past the deadline.
        var call = await PluginCallPolicy.RunAsync("server-wide rules", ct => engine.EvaluateServerAsync(input, ct), Options.RuleTimeout, cancellationToken);
        if (call.Succeeded) return (call.Value, null);
        if (call.Exception is null)
        {
            _logger.LogWarning("server-wide rules did not answer within {Timeout} for a message from {Sender}", Options.RuleTimeout, input.Envelope.Sender);
            return (null, SubmitResult.Temporary("4.3.0", $"server-wide rules did not answer within {Options.RuleTimeout.TotalSeconds:0.#} s; try again later"));
        }
        _logger.LogError(call.Exception, "server-wide rules failed for a message from {Sender}", input.Envelope.Sender);
        return (null, SubmitResult.Temporary("4.3.0", "server-wide rules failed; try again later"));
    }

    public async Task<string?> FindQueueForDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        // smtp.md §8: the queue a node means is where postmaster@domain, routed as Mail from an internal source, would wait.
        var request = new RouteRequest($"postmaster@{domain.Trim().TrimStart('@')}", RouteKind.Mail, RequestSource.InternalSource("queue"));
        // The same policy as every plugin call (PluginCallPolicy): a hanging or failing router is a clear temporary
        // failure for the caller (ETRN 458), never a null, which would mean "no such queue".
        var router = _extensions.Router;
        var routed = await PluginCallPolicy.RunAsync("router", async ct => (await router.RouteAsync(request, ct)).Result, Options.RouterTimeout, cancellationToken);
        if (!routed.Succeeded) throw new InvalidOperationException(routed.Failure, routed.Exception);
        return QueueEnvelopes.TargetQueueOf(routed.Value!);
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
                // The bodies' names (renamed into place before their submissions were handed over) are made durable
                // before the rows that reference them: one fsync per folder for the batch instead of one per body.
                Store.Bodies.SyncPublishedFolders();
                await Store.InsertAsync(batch.Select(b => b.Message).ToList());
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
    private long _handedOver;

    /// <summary>Submissions handed to the group-commit writer so far (a test waits for them before releasing a blocked commit).</summary>
    internal long HandedOver => Interlocked.Read(ref _handedOver);

    /// <summary>Transactions the group-commit writer has committed (tests and the benchmark compare it with submissions).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    public async Task<int> ReleaseAsync(string queue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        var count = await Store.ReleaseQueueAsync(queue, Now);
        _logger.LogInformation("queue {Queue} released with {Count} messages", queue, count);
        _bus.Publish(new QueueReleased(queue, count));
        if (count > 0) Wake();
        return count;
    }

    public async Task<IQueueLease?> LeaseQueueAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
        await LeaseCoreAsync(queue, holder, duration, includeHeld: true, cancellationToken);

    /// <summary>The scheduler's lease: like an ATRN lease, but held recipients stay where they are.</summary>
    internal async Task<SqliteQueueLease?> LeaseCoreAsync(string queue, string holder, TimeSpan duration, bool includeHeld, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "a lease needs a positive duration");
        var token = Guid.NewGuid().ToString("N");
        var now = Now;
        var acquired = await Store.TryLeaseAsync(queue, holder, token, now, now + (long)duration.TotalMilliseconds);
        return acquired ? new SqliteQueueLease(this, queue, token, duration, includeHeld, _bus, _logger) : null;
    }

    public async Task<IReadOnlyList<QueueEntry>> ListAsync(string? queue = null, CancellationToken cancellationToken = default) =>
        (await Store.ListAsync(queue)).Select(ToEntry).ToList();

    public async Task<QueueEntry?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var message = await Store.GetAsync(id);
        return message is null ? null : ToEntry(message);
    }

    public async Task<MessageBody?> OpenBodyAsync(string id, CancellationToken cancellationToken = default)
    {
        var message = await Store.GetAsync(id);
        return message is null ? null : Store.Bodies.Open(message.Message.BodyId, message.Message.BodySize);
    }

    public async Task<bool> RetryAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = await Store.RetryAsync(id, Now);
        if (found) Wake();
        return found;
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        Store.DeleteAsync(id);

    private static QueueEntry ToEntry(QueuedMessage q)
    {
        var envelope = QueueEnvelopes.EnvelopeOf(q.Message, q.Recipients.Select(QueueEnvelopes.RecipientOf).ToList());
        return new QueueEntry(
            q.Message.Id, q.Message.Sender, DateTimeOffset.FromUnixTimeMilliseconds(q.Message.Created), q.Message.BodySize,
            q.Recipients.Select(r => new QueueRecipient(r.Address, r.Orcpt, (RecipientState)r.State, r.Queue, (int)r.Attempts,
                r.NextAttempt is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null, r.LastError)).ToList(),
            envelope.Source) { Envelope = envelope };
    }

    // Time-ordered (so ids sort by arrival) and unique across processes (the CLI submits too).
    internal static string NewId() => Guid.CreateVersion7().ToString("N").ToUpperInvariant();

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer;
        await Outcomes.DisposeAsync();
    }

    private sealed class PendingWrite(NewMessage message)
    {
        public NewMessage Message { get; } = message;

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
