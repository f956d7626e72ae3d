using System.Buffers;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Extensions.Logging;

namespace Kernel.Queue;

/// <summary>
/// One submission on its way into the <see cref="SqliteMessageQueue"/>: the body goes into a <see cref="BodyWriter"/>'s
/// temporary file as it arrives; the commit runs the server-wide rules on the header read back from that file, makes
/// the body durable (fsync, rename) and hands the rows to the group-commit writer. Every submission, streamed or
/// whole, internal or from a plugin, takes this path.
/// </summary>
internal sealed class QueueSubmission : IMessageSubmission
{
    private const int CopyChunk = 64 * 1024;

    private readonly SqliteMessageQueue _queue;
    private readonly bool _runRules;
    private readonly long _maxSize;
    private BodyWriter? _writer;       // null once the body is dropped (failure, over the limit, finished)
    private SubmitResult? _failure;    // a storage failure while writing: the commit reports it
    private SubmitResult? _result;
    private bool _committing;
    private bool _disposed;

    private QueueSubmission(SqliteMessageQueue queue, Envelope envelope, bool runRules, long maxSize)
    {
        _queue = queue;
        Envelope = envelope;
        _runRules = runRules;
        _maxSize = maxSize;
    }

    public Envelope Envelope { get; }

    public long Length { get; private set; }

    /// <summary>A rule-made message's idempotency key, stored with it in one transaction (010_generated_keys.sql).</summary>
    internal string? GeneratedKey { get; set; }

    /// <summary>Starts a submission whose envelope is already validated. A body file that cannot be created is reported by the commit.</summary>
    internal static QueueSubmission Begin(SqliteMessageQueue queue, Envelope envelope, bool runRules, long maxSize)
    {
        var submission = new QueueSubmission(queue, envelope, runRules, maxSize);
        try
        {
            submission._writer = queue.Store.Bodies.CreateWriter();
        }
        catch (Exception e) when (StorageFailure.Is(e))
        {
            submission._failure = submission.StorageFailed("cannot create the body file", e);
        }
        return submission;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        Length += data.Length;
        if (_writer is not { } writer) return; // failed or over the limit: only counted, so the commit can say why
        if (Length > _maxSize)
        {
            // Keep no byte of a message that will be refused: the disk stays free for the ones that will not.
            await DropBodyAsync();
            return;
        }
        try
        {
            await writer.WriteAsync(data, cancellationToken);
        }
        catch (Exception e) when (StorageFailure.Is(e))
        {
            _failure = StorageFailed("cannot write the body", e);
            await DropBodyAsync();
        }
    }

    /// <summary>Writes a whole stream (a complete body, a rule's edited copy) in chunks through <see cref="WriteAsync"/>.</summary>
    internal async Task CopyFromAsync(Stream source, CancellationToken cancellationToken)
    {
        // A body already in memory is written as it is, without a staging buffer.
        if (source is MemoryStream memory && memory.TryGetBuffer(out var segment))
        {
            await WriteAsync(segment.AsMemory((int)memory.Position), cancellationToken);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(CopyChunk);
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, CopyChunk), cancellationToken)) > 0) await WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<SubmitResult> CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_result is not null) return _result;
        ThrowIfFinished();
        _committing = true;
        try
        {
            _result = await CommitCoreAsync(cancellationToken);
        }
        finally
        {
            _committing = false;
        }
        await DropBodyAsync(); // whatever the outcome, no temporary file outlives the commit
        return _result;
    }

    private async Task<SubmitResult> CommitCoreAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_failure is not null) return _failure;
        if (Length > _maxSize)
            return SubmitResult.Permanent("5.3.4", $"message size {Length} exceeds the fixed maximum message size of {_maxSize} bytes"); // RFC 1870 §6.2
        var writer = _writer!;
        var logger = _queue.Logger;

        var outcome = RuleOutcome.Continue;
        HeaderBlock? header = null;
        MessageBody? view = null;
        var engine = _runRules ? _queue.RuleEngine : null;
        if (engine is not null)
        {
            try
            {
                await writer.FlushAsync(cancellationToken);
                view = writer.ReadView();
                header = await HeaderBlock.ReadAsync(view, _queue.Options.MaxHeaderBytes, cancellationToken);
            }
            catch (Exception e) when (StorageFailure.Is(e))
            {
                return StorageFailed("cannot read the header back", e);
            }
            var (evaluated, failure) = await _queue.EvaluateServerRulesAsync(engine, new RuleInput(Envelope, header.Fields, Length, view), cancellationToken);
            if (failure is not null) return failure;
            outcome = evaluated!;
            if (outcome.RejectText is not null)
            {
                logger.LogInformation("submission from {Sender} rejected by a server-wide rule: {Reason}", Envelope.Sender, outcome.RejectText);
                return SubmitResult.Permanent("5.7.1", outcome.RejectText);
            }
        }

        var id = SqliteMessageQueue.NewId();
        var actions = new ServerRuleActions(outcome.Stores, outcome.Sends, outcome.AddFlags);
        var discarded = !outcome.DefaultDelivery;
        if (discarded && actions.IsEmpty)
        {
            // rules.md §6 Discard at server scope: accepted, delivered to no one; nothing needs storing.
            logger.LogInformation("message {QueueId} from {Sender} discarded by a server-wide rule", id, Envelope.Sender);
            return SubmitResult.Queued(id);
        }

        StoredBody stored;
        try
        {
            if (outcome.HeaderEdits.Count > 0)
            {
                // The one case the body is written a second time: the edited header must sit at the start of the
                // file, so the edited message is streamed into a new body file and the received one is dropped.
                await using var edited = _queue.Store.Bodies.CreateWriter();
                await using (var content = header!.OpenEdited(view!, outcome.HeaderEdits)) await edited.CopyFromAsync(content, cancellationToken);
                stored = await edited.CompleteAsync(cancellationToken);
            }
            else
            {
                stored = await writer.CompleteAsync(cancellationToken);
            }
        }
        catch (Exception e) when (StorageFailure.Is(e))
        {
            return StorageFailed("cannot store the body", e);
        }

        // From here the body file is durable under its final name; nothing below is cancellable, and every failure removes it.
        var message = new NewMessage(id, Envelope.Sender, Envelope.EnvelopeId, (int)Envelope.Return, QueueJson.WriteSource(Envelope), stored, _queue.Now,
            QueueJson.WriteActions(actions), Envelope.Recipients, discarded, GeneratedKey);
        return await _queue.EnqueueAsync(message, Envelope);
    }

    private SubmitResult StorageFailed(string what, Exception e)
    {
        _queue.Logger.LogError(e, "submission from {Sender}: {What}", Envelope.Sender, what);
        return StorageFailure.Result(e);
    }

    private void ThrowIfFinished()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_result is not null || _committing) throw new InvalidOperationException("the submission is already committed");
    }

    private async ValueTask DropBodyAsync()
    {
        if (_writer is not { } writer) return;
        _writer = null;
        await writer.DisposeAsync(); // removes the temporary file unless it was completed (then it is the stored body)
    }

    /// <summary>Aborts unless committed: the temporary file is removed and nothing is queued.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await DropBodyAsync();
    }
}
