namespace Kernel.Mailboxes;

/// <summary>
/// The last <see cref="MailboxSnapshot"/> of each recently opened mailbox, so a SELECT or STATUS of a mailbox that has
/// not changed since reads one row instead of every message (Dovecot answers these from its index header; issue 11).
/// Bounded: at most <see cref="MaxEntries"/> mailboxes and <see cref="MaxRuns"/> UID runs in all; the least recently
/// used go first, and a mailbox whose UIDs break into more than a quarter of the runs is not kept.
/// </summary>
internal sealed class MailboxSnapshotCache
{
    public const int MaxEntries = 4096;

    public const int MaxRuns = 256 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, (MailboxSnapshot Snapshot, long Used)> _entries = [];
    private long _runs;
    private long _clock;

    /// <summary>The snapshot of mailbox <paramref name="row"/> if the one kept still holds for it.</summary>
    public MailboxSnapshot? Find(MailboxRow row)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(row.Id, out var entry) || !entry.Snapshot.Holds(row)) return null;
            _entries[row.Id] = (entry.Snapshot, ++_clock);
            return entry.Snapshot;
        }
    }

    /// <summary>Keeps <paramref name="snapshot"/> as mailbox <paramref name="mailboxId"/>'s, in place of the one before.</summary>
    public void Keep(long mailboxId, MailboxSnapshot snapshot)
    {
        var runs = snapshot.Uids.RunCount;
        if (runs > MaxRuns / 4) return;
        lock (_lock)
        {
            if (_entries.Remove(mailboxId, out var old)) _runs -= old.Snapshot.Uids.RunCount;
            while (_entries.Count > 0 && (_entries.Count >= MaxEntries || _runs + runs > MaxRuns)) EvictOldest();
            _entries[mailboxId] = (snapshot, ++_clock);
            _runs += runs;
        }
    }

    // A scan of at most MaxEntries, only when the cache is full.
    private void EvictOldest()
    {
        var oldest = _entries.MinBy(e => e.Value.Used);
        _entries.Remove(oldest.Key);
        _runs -= oldest.Value.Snapshot.Uids.RunCount;
    }
}
