using Kernel.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Mailboxes;

/// <summary>
/// Publishes on this process's bus the mailbox changes another process made (design.md "mailbox view"): polls the
/// change log (<c>mailbox_changes</c>, written in each change's own transaction) every 250 ms by default for rows
/// after the last one seen, skips the rows this process's store wrote (it published them at once), and publishes
/// the rest as <see cref="MailboxChanged"/> / <see cref="SubscriptionsChanged"/>. Started by <c>kernel serve</c>
/// beside the configuration watcher, so a change by <c>kernel</c> on the command line reaches IMAP IDLE within a second.
/// </summary>
public sealed class MailboxChangeWatcher(
    SqliteMailboxStore store,
    IMessageBus bus,
    ILogger<MailboxChangeWatcher> logger,
    TimeSpan? interval = null) : IHostedService, IAsyncDisposable
{
    // Rows read per query; a burst larger than this is read over several queries of one poll.
    private const int Batch = 500;

    private readonly TimeSpan _interval = interval ?? TimeSpan.FromMilliseconds(250);
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private long _seen;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null) throw new InvalidOperationException("the mailbox change watcher is already running");
        // Changes committed before the start are in what sessions read when they open a mailbox; announce only later ones.
        _seen = await store.LastChangeAsync(cancellationToken);
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

    /// <summary>One poll: publishes what other processes changed since the last one. Returns the number of events published.</summary>
    internal async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var published = 0;
        while (true)
        {
            var rows = await store.ChangesAfterAsync(_seen, Batch, cancellationToken);
            foreach (var row in rows)
            {
                _seen = row.Seq;
                if (row.Origin == store.Origin) continue;
                if (row.ToEvent() is not { } change)
                {
                    logger.LogDebug("skipped mailbox change {Sequence} of kind {Kind}", row.Seq, row.Kind);
                    continue;
                }
                if (change is MailboxChanged { Kind: MailboxChangeKind.AclChanged }) store.NoteRightsChange();
                bus.Publish(change);
                published++;
            }
            if (rows.Count < Batch) return published;
        }
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
                    logger.LogWarning(e, "polling the mailbox change log failed");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
