using System.Diagnostics;
using System.Globalization;

namespace Kernel.Delivery;

/// <summary>
/// A delivery worker's lease-holder name, <c>machine/pid/instance</c>: unique per worker, and telling which process
/// held a lease, so a restarted server can see that the process behind a lease on this machine is gone (a crash)
/// and take its work over at once instead of waiting for the lease to expire.
/// </summary>
internal sealed record WorkerName(string Machine, int ProcessId, string Instance)
{
    public static WorkerName ForThisProcess() => new(Environment.MachineName, Environment.ProcessId, Guid.NewGuid().ToString("N"));

    public static WorkerName? TryParse(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && parts[2].Length > 0
            ? new WorkerName(parts[0], pid, parts[2])
            : null;
    }

    /// <summary>
    /// True only when certain: the holder ran on this machine in another process that no longer exists. A reused
    /// process id looks alive, which only means waiting for the lease to expire as before.
    /// </summary>
    public bool IsGone()
    {
        if (!string.Equals(Machine, Environment.MachineName, StringComparison.Ordinal) || ProcessId == Environment.ProcessId) return false;
        try
        {
            using var process = Process.GetProcessById(ProcessId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    public override string ToString() => $"{Machine}/{ProcessId.ToString(CultureInfo.InvariantCulture)}/{Instance}";
}
