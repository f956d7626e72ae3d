using System.Net;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Kernel.Authentication;

/// <summary>
/// The kernel's <see cref="ILoginThrottle"/>: failure counts per client address and per account, in memory and
/// bounded (<see cref="LoginThrottleOptions.MaxEntries"/>), timed by a <see cref="TimeProvider"/>. The stricter of
/// the two counts applies. A lockout ends with its period and the count starts again from zero.
/// </summary>
public sealed class LoginThrottle(LoginThrottleOptions options, TimeProvider time, ILogger<LoginThrottle> logger) : ILoginThrottle
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_entries) return _entries.Count;
        }
    }

    public async ValueTask<LoginPermit> BeforeAttemptAsync(IPAddress? client, string? account, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var failures = 0;
        var lockedUntil = DateTimeOffset.MinValue;
        lock (_entries)
        {
            foreach (var key in Keys(client, account))
            {
                if (!_entries.TryGetValue(key, out var entry)) continue;
                if (Expired(entry, now))
                {
                    _entries.Remove(key);
                    continue;
                }
                failures = Math.Max(failures, entry.Failures);
                if (entry.LockedUntil > lockedUntil) lockedUntil = entry.LockedUntil;
            }
        }
        if (lockedUntil > now) return LoginPermit.LockedOut(lockedUntil - now);
        var delay = Delay(failures);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, time, cancellationToken);
        return LoginPermit.Allow;
    }

    public void RecordFailure(IPAddress? client, string? account)
    {
        var now = time.GetUtcNow();
        lock (_entries)
        {
            foreach (var key in Keys(client, account))
            {
                if (!_entries.TryGetValue(key, out var entry) || Expired(entry, now))
                {
                    if (_entries.Count >= options.MaxEntries) Evict(now);
                    _entries[key] = entry = new Entry();
                }
                entry.Failures++;
                entry.LastFailure = now;
                if (entry.Failures >= options.LockoutFailures && entry.LockedUntil <= now)
                {
                    entry.LockedUntil = now + options.Lockout;
                    logger.LogWarning("login locked out for {Key} until {Until:u} after {Failures} failures", key, entry.LockedUntil, entry.Failures);
                }
            }
        }
    }

    public void RecordSuccess(IPAddress? client, string? account)
    {
        if (account is null) return;
        lock (_entries) _entries.Remove(AccountKey(account));
    }

    /// <summary>The wait before an attempt after <paramref name="failures"/> failures: none while free, then doubling from the step, capped.</summary>
    public TimeSpan Delay(int failures)
    {
        if (failures <= options.FreeFailures) return TimeSpan.Zero;
        var doublings = Math.Min(failures - options.FreeFailures - 1, 30);
        var ticks = Math.Min(options.DelayStep.Ticks * (1L << doublings), options.MaxDelay.Ticks);
        return TimeSpan.FromTicks(ticks);
    }

    /// <summary>A count is forgotten once its last failure is older than the window and no lockout runs.</summary>
    private bool Expired(Entry entry, DateTimeOffset now) =>
        entry.LockedUntil <= now && (entry.LockedUntil != DateTimeOffset.MinValue || now - entry.LastFailure >= options.Window);

    /// <summary>Full: forget expired entries, then the tenth that failed longest ago.</summary>
    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries.ToArray())
        {
            if (Expired(entry, now)) _entries.Remove(key);
        }
        if (_entries.Count < options.MaxEntries) return;
        var oldest = _entries.Where(e => e.Value.LockedUntil <= now).OrderBy(e => e.Value.LastFailure).Take(Math.Max(1, options.MaxEntries / 10)).Select(e => e.Key).ToArray();
        if (oldest.Length == 0) oldest = _entries.OrderBy(e => e.Value.LockedUntil).Take(Math.Max(1, options.MaxEntries / 10)).Select(e => e.Key).ToArray();
        foreach (var key in oldest) _entries.Remove(key);
    }

    private static IEnumerable<string> Keys(IPAddress? client, string? account)
    {
        if (client is not null) yield return "ip:" + (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);
        if (!string.IsNullOrEmpty(account)) yield return AccountKey(account);
    }

    private static string AccountKey(string account) => "account:" + account.Trim().ToLowerInvariant();

    private sealed class Entry
    {
        public int Failures { get; set; }

        public DateTimeOffset LastFailure { get; set; }

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
