namespace Kernel.Hosting;

/// <summary>
/// When <see cref="IdleMemoryCompaction"/> compacts, from the process's allocation counter sampled every
/// <see cref="IdleMemoryCompactionOptions.Poll"/>: after a burst (at least <see cref="IdleMemoryCompactionOptions.MinAllocated"/>
/// allocated since the last compaction) followed by <see cref="IdleMemoryCompactionOptions.Quiet"/> of ticks that each
/// allocated no more than the idle rate allows. Busy ticks restart the quiet count, so it never fires under load.
/// </summary>
internal sealed class IdleCompactionPolicy(IdleMemoryCompactionOptions options, long allocatedAtStart)
{
    private readonly int _ticksNeeded = Math.Max(1, (int)Math.Ceiling(options.Quiet / options.Poll));
    // What an idle server still allocates per tick (timers, idle sweeps, change polling) stays below this.
    private readonly long _quietBytes = (long)(options.QuietAllocationPerSecond * options.Poll.TotalSeconds);
    private long _last = allocatedAtStart;
    private long _sinceCompaction;
    private int _quietTicks;

    /// <summary>One sample of the allocation counter; the bytes of the burst when it is time to compact, else null.</summary>
    public long? Tick(long allocated)
    {
        var delta = Math.Max(0, allocated - _last);
        _last = allocated;
        _sinceCompaction += delta;
        _quietTicks = delta <= _quietBytes ? _quietTicks + 1 : 0;
        return _quietTicks >= _ticksNeeded && _sinceCompaction >= options.MinAllocated ? _sinceCompaction : null;
    }

    /// <summary>After a compaction: the next one needs a new burst (what the collection itself allocated does not count).</summary>
    public void Compacted(long allocated)
    {
        _last = allocated;
        _sinceCompaction = 0;
        _quietTicks = 0;
    }
}
