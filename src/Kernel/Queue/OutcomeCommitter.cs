using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Kernel.Queue;

/// <summary>
/// Group commit for delivery outcomes: the drains of every leased target queue hand their messages' outcomes here, and
/// one writer commits all that are waiting in one transaction (one WAL fsync for the batch instead of one per message).
/// A caller's outcome counts only once its task completes, after the commit: a crash before it leaves the rows as they
/// were, so the message is sent again (a duplicate at worst, never a loss — RFC 5321 §6.1).
/// </summary>
internal sealed class OutcomeCommitter : IAsyncDisposable
{
    /// <summary>Messages' outcomes per transaction at most.</summary>
    private const int MaxBatch = 256;

    private readonly SqliteQueueStore _store;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _commits;

    public OutcomeCommitter(SqliteQueueStore store, ILogger logger)
    {
        _store = store;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Outcome transactions committed so far (tests compare it with the messages delivered).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Records one message's outcomes with whatever else is waiting; true once committed, false when the message is gone.</summary>
    public Task<bool> RecordAsync(string messageId, IReadOnlyList<RecipientUpdate> updates)
    {
        var pending = new Pending(messageId, updates);
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(OutcomeCommitter), "the queue is shutting down");
        return pending.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var next)) batch.Add(next);
            try
            {
                var found = await _store.RecordOutcomesAsync(batch.Select(p => (p.MessageId, p.Updates)).ToList());
                Interlocked.Increment(ref _commits);
                foreach (var p in batch) p.Done.TrySetResult(found.Contains(p.MessageId));
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One message's rows must not fail the others': each is committed alone.
                _logger.LogWarning(e, "outcome commit of {Count} messages failed; committing them one by one", batch.Count);
                foreach (var p in batch) await CommitAloneAsync(p);
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
        }
    }

    private async Task CommitAloneAsync(Pending p)
    {
        try
        {
            p.Done.TrySetResult(await _store.RecordOutcomesAsync(p.MessageId, p.Updates));
            Interlocked.Increment(ref _commits);
        }
        catch (Exception e)
        {
            p.Done.TrySetException(e);
        }
    }

    /// <summary>Commits what is waiting, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    private sealed class Pending(string messageId, IReadOnlyList<RecipientUpdate> updates)
    {
        public string MessageId { get; } = messageId;

        public IReadOnlyList<RecipientUpdate> Updates { get; } = updates;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
