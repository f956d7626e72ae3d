using Kernel.Abstractions;
using Microsoft.Extensions.Hosting;
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
    TimeSpan? interval = null) : IHostedService, IAsyncDisposable
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromMilliseconds(500);
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private long _seen;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null) throw new InvalidOperationException("the configuration change watcher is already running");
        // Changes made before start are already in what the plugins load at start-up; announce only later ones.
        _seen = await store.GetChangeSequenceAsync(cancellationToken);
        _stopping = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null || _stopping is null) return;
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken);
        _loop = null;
        _stopping.Dispose();
        _stopping = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>One poll: publishes what changed since the last one. Returns the number of events published.</summary>
    internal async Task<int> PollAsync(CancellationToken cancellationToken)
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

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await PollAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A busy or briefly unavailable database must not stop the watcher; the next tick retries.
                    logger.LogWarning(e, "polling the configuration change sequence failed");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
