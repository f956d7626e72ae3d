using Kernel.Abstractions;
using Kernel.Bus;
using Microsoft.Extensions.Logging;

namespace Kernel.Configuration;

/// <summary>
/// Polls the store-wide change sequence (every 500 ms by default) and publishes <see cref="ConfigurationChanged"/>
/// when it grew — whichever process made the change (design.md "Configuration"): one event per changed document,
/// and one with a null name when settings or domains changed or the change records no longer reach back far enough.
/// </summary>
public sealed class ConfigurationChangeWatcher(
    SqliteConfigurationStore store,
    IMessageBus bus,
    ILogger<ConfigurationChangeWatcher> logger,
    TimeSpan? interval = null) : StoreChangeWatcher(logger, interval ?? TimeSpan.FromMilliseconds(500), "configuration change sequence")
{
    private long _seen;

    // Changes made before start are already in what the plugins load at start-up; announce only later ones.
    protected override async Task MarkStartAsync(CancellationToken cancellationToken) =>
        _seen = await store.GetChangeSequenceAsync(cancellationToken);

    /// <summary>One poll: publishes what changed since the last one. Returns the number of events published.</summary>
    internal override async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var (current, names, complete) = await store.GetChangesSinceAsync(_seen, cancellationToken);
        if (current <= _seen) return 0;
        var published = 0;
        var somethingElse = !complete;
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (name is null) { somethingElse = true; continue; }
            bus.Publish(new ConfigurationChanged(name, current));
            published++;
        }
        if (somethingElse)
        {
            bus.Publish(new ConfigurationChanged(null, current));
            published++;
        }
        logger.LogDebug("configuration changed: sequence {Previous} -> {Sequence}", _seen, current);
        _seen = current;
        return published;
    }
}
