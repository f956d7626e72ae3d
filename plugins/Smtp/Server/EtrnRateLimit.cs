using System.Collections.Concurrent;
using System.Net;

namespace Smtp.Server;

/// <summary>
/// smtp.md §8 / §16.1: ETRN is open to every client, so it is rate-limited per client address — at most
/// <c>perMinute</c> requests in a fixed one-minute window. Old windows are dropped as the table grows, so it stays bounded.
/// </summary>
internal sealed class EtrnRateLimit(int perMinute)
{
    private const int MaxTracked = 10_000;
    private readonly ConcurrentDictionary<IPAddress, (long Window, int Count)> _windows = new();

    public bool TryAcquire(IPAddress client, DateTime now)
    {
        var window = now.Ticks / TimeSpan.TicksPerMinute;
        if (_windows.Count > MaxTracked)
        {
            foreach (var (key, value) in _windows)
            {
                if (value.Window != window) _windows.TryRemove(key, out _);
            }
        }
        var entry = _windows.AddOrUpdate(client, (window, 1), (_, old) => old.Window == window ? (window, old.Count + 1) : (window, 1));
        return entry.Count <= perMinute;
    }
}
