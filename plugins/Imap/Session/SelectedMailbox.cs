using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// The selected mailbox of a session: the store's view, the message sequence numbers as the client knows them
/// (UIDs in order), and what has been reported so far (modseqs), so changes from other sessions and processes —
/// signalled by <see cref="IMailboxView.Subscribe"/> — become EXISTS / EXPUNGE / FETCH responses (RFC 3501 §7.4.1, §5.2).
/// </summary>
internal sealed class SelectedMailbox : IAsyncDisposable
{
    private readonly IDisposable _subscription;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _dirty;

    public SelectedMailbox(IMailboxView view, bool readOnly, IEnumerable<uint> uids, ulong modSeq)
    {
        View = view;
        ReadOnly = readOnly;
        Uids = new UidMap(uids);
        FlagModSeq = ExpungeModSeq = modSeq;
        _subscription = view.Subscribe((_, _) =>
        {
            _dirty = true;
            _changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
    }

    public IMailboxView View { get; }

    public bool ReadOnly { get; }

    /// <summary>Opened by EXAMINE: the session never claims \Recent (RFC 3501 §6.3.2).</summary>
    public bool ReadOnlyByCommand { get; init; }

    /// <summary>UIDs in sequence-number order: message n is <c>Uids[n-1]</c>.</summary>
    public UidMap Uids { get; }

    /// <summary>Flag and new-message changes above this modseq are not reported yet.</summary>
    public ulong FlagModSeq { get; set; }

    /// <summary>Expunges above this modseq are not reported yet (they wait while FETCH/STORE/SEARCH may not report them).</summary>
    public ulong ExpungeModSeq { get; set; }

    /// <summary>An expunge report was held back (RFC 3501 §7.4.1: not during FETCH, STORE or SEARCH).</summary>
    public bool ExpungePending { get; set; }

    /// <summary>Whether a change arrived since the last <see cref="TakeChange"/>.</summary>
    public bool Dirty => _dirty;

    /// <summary>A task that completes at the next change (IDLE waits on it).</summary>
    public Task NextChange => _changed.Task;

    /// <summary>Clears the change flag before the session looks at the store, so a change during the look re-arms it.</summary>
    public void TakeChange()
    {
        _dirty = false;
        if (_changed.Task.IsCompleted) _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The messages this session holds as \Recent (RFC 3501 §2.3.2).</summary>
    public RecentUids Recent { get; } = new();

    public void AddRecent(uint after, uint upTo) => Recent.Add(after, upTo);

    public bool IsRecent(uint uid) => Recent.Contains(uid);

    /// <summary>The RECENT count: recent messages still in the mailbox.</summary>
    public int RecentCount => Recent.CountIn(Uids);

    /// <summary>RFC 5182: the UIDs saved by <c>SEARCH RETURN (SAVE)</c> for <c>$</c>; empty at SELECT and after a failed save.</summary>
    public List<uint> SavedResult { get; set; } = [];

    public int SequenceOf(uint uid)
    {
        var i = Uids.BinarySearch(uid);
        return i < 0 ? 0 : i + 1;
    }

    public uint MaxUid => Uids.Count == 0 ? 0 : Uids[^1];

    /// <summary>A sequence set (message numbers or UIDs) as UID ranges; message numbers out of range → BAD (RFC 3501 §9 seq-number).</summary>
    public UidSet Resolve(SequenceSet set, bool uid)
    {
        if (set.IsSaved) return UidSet.Of(SavedResult.Where(u => SequenceOf(u) > 0).ToArray());
        if (uid) return new UidSet(set.Resolve(MaxUid));
        if (Uids.Count == 0) throw new ImapParseException("No messages: invalid message sequence number");
        var ranges = new List<(uint, uint)>();
        foreach (var (a, b) in set.Resolve((uint)Uids.Count))
        {
            if (a < 1 || b > Uids.Count) throw new ImapParseException("Invalid message sequence number");
            var start = Uids[(int)a - 1];
            var prev = start;
            for (var i = (int)a; i < b; i++)
            {
                var u = Uids[i];
                if (u != prev + 1)
                {
                    ranges.Add((start, prev));
                    start = u;
                }
                prev = u;
            }
            ranges.Add((start, prev));
        }
        return new UidSet(ranges);
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await View.DisposeAsync();
    }
}
