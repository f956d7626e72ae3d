using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Bus;

/// <summary>
/// The one polling loop behind every "another process changed the store" watcher (configuration, mailboxes): on start
/// it records where the store stands (changes before that are already in what the plugins load), then polls at a fixed
/// interval and publishes what changed since. A failed poll (a busy or briefly unavailable database) is logged and
/// retried on the next tick; it never stops the watcher. A PostgreSQL provider would replace the polling with
/// LISTEN/NOTIFY behind the same two methods.
/// </summary>
public abstract class StoreChangeWatcher(ILogger logger, TimeSpan interval, string what) : IHostedService, IAsyncDisposable
{
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    /// <summary>Records the store's current position; only later changes are announced.</summary>
    protected abstract Task MarkStartAsync(CancellationToken cancellationToken);

    /// <summary>One poll: publishes what changed since the last one. Returns the number of events published.</summary>
    internal abstract Task<int> PollAsync(CancellationToken cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null) throw new InvalidOperationException($"the {what} watcher is already running");
        await MarkStartAsync(cancellationToken);
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        GC.SuppressFinalize(this);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
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
                    logger.LogWarning(e, "polling the {What} failed", what);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
