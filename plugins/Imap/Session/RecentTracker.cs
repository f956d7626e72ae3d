using System.Collections.Concurrent;

namespace Imap.Session;

/// <summary>
/// RFC 3501 §2.3.2 <c>\Recent</c>: per mailbox, the highest UID some session has already been shown; the first
/// session (SELECT, not EXAMINE) to see a message above it claims it as recent for itself alone. Process-local: the
/// kernel keeps no per-mailbox "recent" mark, so after a restart the first session sees every message as recent, and
/// two server processes on one data folder each have their own mark (README "\Recent").
/// </summary>
internal sealed class RecentTracker
{
    private readonly ConcurrentDictionary<long, uint> _claimed = new();

    /// <summary>The highest UID claimed so far in <paramref name="mailboxId"/> (0 = none).</summary>
    public uint Peek(long mailboxId) => _claimed.TryGetValue(mailboxId, out var uid) ? uid : 0;

    /// <summary>Claims every UID up to <paramref name="maxUid"/>; the caller's recent messages are those above the returned previous mark.</summary>
    public uint Claim(long mailboxId, uint maxUid)
    {
        while (true)
        {
            if (!_claimed.TryGetValue(mailboxId, out var previous))
            {
                if (_claimed.TryAdd(mailboxId, maxUid)) return 0;
                continue;
            }
            if (previous >= maxUid) return previous;
            if (_claimed.TryUpdate(mailboxId, maxUid, previous)) return previous;
        }
    }
}
