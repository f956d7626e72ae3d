using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// Gives up on remote recipients older than <see cref="QueueOptions.Expiry"/> (smtp.md §12: 5 days): they fail with
/// 5.4.7 and the last error, and the DSN stage reports them. Runs at most once per poll interval of the worker's clock.
/// </summary>
internal sealed class ExpiryStage(IQueueBackend queue, ILogger logger)
{
    private const int Batch = 256;
    private long _lastRun;

    /// <summary>Starts the interval (the first check is one poll interval after the worker starts).</summary>
    public void Reset() => _lastRun = queue.Time.GetTimestamp();

    public async Task<bool> RunIfDueAsync(CancellationToken cancellationToken)
    {
        // Elapsed time from the queue's TimeProvider, like every other time the pipeline reads.
        if (queue.Time.GetElapsedTime(_lastRun) < queue.Options.PollInterval) return false;
        _lastRun = queue.Time.GetTimestamp();
        var now = queue.Now;
        var expired = await queue.ExpiredAsync(now - (long)queue.Options.Expiry.TotalMilliseconds, now, Batch);
        foreach (var q in expired)
        {
            var updates = q.Recipients.Select(r => RoutingBatch.Failed(r, "5.4.7", $"delivery time expired; last error: {r.LastError ?? "none"}")).ToList();
            await queue.RecordOutcomesAsync(q.Message.Id, updates);
            logger.LogInformation("message {QueueId}: {Count} recipients expired", q.Message.Id, updates.Count);
        }
        return expired.Count > 0;
    }
}
