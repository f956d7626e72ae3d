using Kernel.Abstractions;
using Kernel.Bus;
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
    TimeSpan? interval = null) : StoreChangeWatcher(logger, interval ?? TimeSpan.FromMilliseconds(250), "mailbox change log")
{
    // Rows read per query; a burst larger than this is read over several queries of one poll.
    private const int Batch = 500;

    private long _seen;

    // Changes committed before the start are in what sessions read when they open a mailbox; announce only later ones.
    protected override async Task MarkStartAsync(CancellationToken cancellationToken) =>
        _seen = await store.LastChangeAsync(cancellationToken);

    /// <summary>One poll: publishes what other processes changed since the last one. Returns the number of events published.</summary>
    internal override async Task<int> PollAsync(CancellationToken cancellationToken)
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
}
