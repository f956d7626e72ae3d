using Kernel.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Server;

/// <summary>
/// The idle-memory policy (<see cref="IdleCompactionPolicy"/>): one compaction after a burst once the process has been
/// quiet long enough, never while allocations go on, never without a new burst; and the service really collecting.
/// </summary>
public sealed class IdleMemoryCompactionTests
{
    private const long MiB = 1 << 20;

    // 500 ms ticks, 2 s quiet = 4 quiet ticks, a burst of 16 MiB (the default is 4), idle below 128 KiB per tick
    private static readonly IdleMemoryCompactionOptions Options = new() { MinAllocated = 16 * MiB };

    [Fact]
    public void Compacts_once_after_a_burst_and_four_quiet_ticks()
    {
        var policy = new IdleCompactionPolicy(Options, 0);
        Assert.Null(policy.Tick(40 * MiB)); // the burst
        Assert.Null(policy.Tick(40 * MiB + 1000));
        Assert.Null(policy.Tick(40 * MiB + 2000));
        Assert.Null(policy.Tick(40 * MiB + 3000));
        Assert.Equal(40 * MiB + 4000, policy.Tick(40 * MiB + 4000));
        policy.Compacted(41 * MiB);
        // quiet from now on, no new burst: nothing more, however long
        for (var i = 1; i <= 100; i++) Assert.Null(policy.Tick(41 * MiB + i * 1000));
    }

    [Fact]
    public void Never_compacts_while_the_process_keeps_allocating()
    {
        var policy = new IdleCompactionPolicy(Options, 0);
        long allocated = 0;
        for (var i = 0; i < 1000; i++)
        {
            // a busy server: 1 MiB per tick, with a quiet tick now and then (never four in a row)
            allocated += i % 3 == 0 ? 1000 : MiB;
            Assert.Null(policy.Tick(allocated));
        }
        // the load ends: four quiet ticks later, the compaction
        Assert.Null(policy.Tick(allocated += MiB));
        for (var i = 0; i < 3; i++) Assert.Null(policy.Tick(allocated += 1000));
        Assert.NotNull(policy.Tick(allocated + 1000));
    }

    [Fact]
    public void A_small_burst_does_not_compact_but_bursts_add_up()
    {
        var policy = new IdleCompactionPolicy(Options, 100 * MiB);
        long allocated = 100 * MiB;
        for (var burst = 0; burst < 3; burst++)
        {
            Assert.Null(policy.Tick(allocated += 5 * MiB));
            for (var i = 0; i < 10; i++) Assert.Null(policy.Tick(allocated += 100));
        }
        Assert.Null(policy.Tick(allocated += 5 * MiB)); // 20 MiB in all now
        for (var i = 0; i < 3; i++) Assert.Null(policy.Tick(allocated += 100));
        Assert.NotNull(policy.Tick(allocated + 100));
    }

    [Fact]
    public void Settings_are_read_from_Kernel_IdleCompaction()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kernel:IdleCompaction:QuietSeconds"] = "5",
            ["Kernel:IdleCompaction:MinAllocatedMiB"] = "64",
        }).Build();
        var options = IdleMemoryCompactionOptions.FromConfiguration(configuration);
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Quiet);
        Assert.Equal(64 * MiB, options.MinAllocated);
        var off = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Kernel:IdleCompaction:Enabled"] = "false" }).Build();
        Assert.False(IdleMemoryCompactionOptions.FromConfiguration(off).Enabled);
    }

    [Fact]
    public async Task The_service_collects_after_a_burst()
    {
        var service = new IdleMemoryCompaction(new IdleMemoryCompactionOptions
        {
            Poll = TimeSpan.FromMilliseconds(50),
            Quiet = TimeSpan.FromMilliseconds(200),
            MinAllocated = 4 * MiB,
            // other tests of this process allocate meanwhile: a generous idle rate keeps this one from waiting on them
            QuietAllocationPerSecond = 64 * MiB,
        }, NullLogger<IdleMemoryCompaction>.Instance);
        var collections = GC.CollectionCount(GC.MaxGeneration);
        service.Start(countFromProcessStart: false);
        try
        {
            var garbage = 0L;
            for (var i = 0; i < 8 * 1024; i++) garbage += new byte[1024].Length; // 8 MiB, all garbage
            Assert.Equal(8 * MiB, garbage);
            await Eventually.WithinAsync(TimeSpan.FromSeconds(60), () => Task.FromResult(service.Compactions >= 1), "an idle compaction");
            Assert.True(GC.CollectionCount(GC.MaxGeneration) > collections);
        }
        finally
        {
            await service.StopAsync();
        }
    }
}
