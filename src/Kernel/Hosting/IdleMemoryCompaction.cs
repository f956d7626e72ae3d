using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Kernel.Hosting;

/// <summary>
/// Server policy: give memory back once a burst of work is over. A burst of logins, SELECTs or deliveries leaves the
/// heap full of garbage the GC has no reason to collect while the process is quiet (a gen-0 collection only happens
/// when the next allocations need the room), so a server holding thousands of idle connections would keep tens of
/// MiB it does not use. When the process has allocated at least <see cref="IdleMemoryCompactionOptions.MinAllocated"/>
/// since the last compaction and then allocates (almost) nothing for <see cref="IdleMemoryCompactionOptions.Quiet"/>,
/// this runs ONE blocking, compacting, decommitting collection (and on glibc asks malloc to return its free pages:
/// SQLite and TLS allocate natively). It only ever runs while the process is idle — under load the allocation rate
/// never drops below the threshold — and once per burst, so it costs no throughput (design.md: the kernel owns policy).
/// </summary>
internal sealed partial class IdleMemoryCompaction(IdleMemoryCompactionOptions options, ILogger<IdleMemoryCompaction> logger)
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private volatile int _compactions;

    /// <summary>How many compactions ran (tests and diagnostics; the log line carries the same number).</summary>
    public int Compactions => _compactions;

    /// <param name="countFromProcessStart">True (the server): what the start allocated is a burst like any other; false: count from now.</param>
    public void Start(bool countFromProcessStart = true)
    {
        if (!options.Enabled) return;
        var policy = new IdleCompactionPolicy(options, countFromProcessStart ? 0 : GC.GetTotalAllocatedBytes(precise: false));
        _loop = Task.Run(() => RunAsync(policy));
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
    }

    private async Task RunAsync(IdleCompactionPolicy policy)
    {
        using var timer = new PeriodicTimer(options.Poll);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (policy.Tick(GC.GetTotalAllocatedBytes(precise: false)) is not { } burst) continue;
                Compact(burst);
                policy.Compacted(GC.GetTotalAllocatedBytes(precise: false));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Compact(long allocated)
    {
        var before = Environment.WorkingSet;
        var heapBefore = GC.GetGCMemoryInfo().HeapSizeBytes;
        // Aggressive = blocking, compacting (the large object heap too) and decommitting the freed regions.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
        _compactions++;
        logger.LogDebug("idle compaction {Number} after {Allocated} MiB allocated: heap {HeapBefore} → {HeapAfter} KiB, working set {Before} → {After} KiB",
            Compactions, allocated >> 20, heapBefore >> 10, GC.GetGCMemoryInfo().HeapSizeBytes >> 10, before >> 10, Environment.WorkingSet >> 10);
    }

    /// <summary>glibc keeps freed native memory (SQLite page caches, TLS buffers) in its arenas; malloc_trim returns it.</summary>
    private static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc (musl has no malloc_trim): the managed compaction alone
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
