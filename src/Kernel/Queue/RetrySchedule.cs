namespace Kernel.Queue;

/// <summary>smtp.md §12: after the n-th failed attempt wait FirstRetry·2^(n-1), capped at MaxRetry.</summary>
internal static class RetrySchedule
{
    public static TimeSpan After(int attempts, QueueOptions options)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.FirstRetry.Ticks * factor, options.MaxRetry.Ticks));
        return delay < options.FirstRetry ? options.FirstRetry : delay;
    }
}
