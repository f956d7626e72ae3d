using Microsoft.Extensions.Configuration;

namespace Kernel.Hosting;

/// <summary><c>Kernel:IdleCompaction:*</c> — see <see cref="IdleMemoryCompaction"/>.</summary>
internal sealed record IdleMemoryCompactionOptions
{
    /// <summary><c>Enabled</c> (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary><c>QuietSeconds</c> (default 2): how long the process must be idle after a burst.</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>MinAllocatedMiB</c> (default 4): a "burst" is at least this much allocated since the last compaction. Low enough
    /// that the garbage of a hundred IMAP logins and SELECTs (≈ 15 MiB once reads stopped allocating per row) is returned.
    /// </summary>
    public long MinAllocated { get; init; } = 4L << 20;

    /// <summary>Below this allocation rate (bytes per second) the process counts as idle.</summary>
    public long QuietAllocationPerSecond { get; init; } = 256 << 10;

    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(500);

    public static IdleMemoryCompactionOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Kernel:IdleCompaction");
        var defaults = new IdleMemoryCompactionOptions();
        return defaults with
        {
            Enabled = !string.Equals(section["Enabled"], "false", StringComparison.OrdinalIgnoreCase),
            Quiet = Number(section, "QuietSeconds") is { } quiet ? TimeSpan.FromSeconds(quiet) : defaults.Quiet,
            MinAllocated = Number(section, "MinAllocatedMiB") is { } mib ? mib << 20 : defaults.MinAllocated,
        };
    }

    private static long? Number(IConfigurationSection section, string key) =>
        long.TryParse(section[key], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
}
