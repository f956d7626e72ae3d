namespace Kernel.Tests.Server;

/// <summary>Bounded polling for what another process does a little later.</summary>
public static class Eventually
{
    /// <summary>Polls every 100 ms until <paramref name="condition"/> holds; returns how long it took, or throws after <paramref name="limit"/>.</summary>
    public static async Task<TimeSpan> WithinAsync(TimeSpan limit, Func<Task<bool>> condition, string what)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            if (await condition()) return DateTime.UtcNow - started;
            if (DateTime.UtcNow - started > limit) throw new TimeoutException($"{what} did not happen within {limit}");
            await Task.Delay(100);
        }
    }
}
