using System.Collections;

namespace Kernel.Mailboxes;

/// <summary>
/// What a SELECT or STATUS reads of a whole mailbox — its UIDs, how many messages are unseen and the first of them,
/// the keywords in use — as of one state of its row. Every change to a mailbox's messages raises the row's UIDNEXT (a
/// new message) or HIGHESTMODSEQ (a flag or keyword change, an expunge: RFC 7162 needs both) in the same transaction,
/// so while (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, messages) are what they were, the snapshot still holds — whichever
/// process made the change, since the row is read from the database each time. UIDVALIDITY comes from a counter that
/// never goes back, so a mailbox created again under a reused id is told apart too.
/// </summary>
internal sealed class MailboxSnapshot(MailboxRow row, UidRuns uids, int unseen, uint? firstUnseen, IReadOnlyList<string> keywords)
{
    private readonly long _uidValidity = row.UidValidity;
    private readonly long _uidNext = row.UidNext;
    private readonly long _highestModseq = row.HighestModseq;
    private readonly long _messages = row.Messages;

    public UidRuns Uids { get; } = uids;

    public int Unseen { get; } = unseen;

    public uint? FirstUnseen { get; } = firstUnseen;

    public IReadOnlyList<string> Keywords { get; } = keywords;

    /// <summary>Whether <paramref name="now"/> (the mailbox's row read now) is the state this snapshot was taken in.</summary>
    public bool Holds(MailboxRow now) =>
        now.UidValidity == _uidValidity && now.UidNext == _uidNext && now.HighestModseq == _highestModseq && now.Messages == _messages;
}

/// <summary>
/// Ascending UIDs kept as runs of consecutive values (a mailbox's UIDs are mostly one run, broken only where messages
/// were expunged), read as a list.
/// </summary>
internal sealed class UidRuns : IReadOnlyList<uint>
{
    private readonly uint[] _firsts;
    private readonly int[] _starts; // index in the list of each run's first UID; one more entry: the count

    private UidRuns(uint[] firsts, int[] starts)
    {
        _firsts = firsts;
        _starts = starts;
    }

    public int Count => _starts[^1];

    public int RunCount => _firsts.Length;

    public uint this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var run = Array.BinarySearch(_starts, 0, _firsts.Length, index);
            if (run < 0) run = ~run - 1;
            return _firsts[run] + (uint)(index - _starts[run]);
        }
    }

    public IEnumerator<uint> GetEnumerator()
    {
        for (var run = 0; run < _firsts.Length; run++)
        {
            var first = _firsts[run];
            var length = _starts[run + 1] - _starts[run];
            for (var i = 0; i < length; i++) yield return first + (uint)i;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Collects ascending UIDs into runs.</summary>
    public sealed class Builder
    {
        private readonly List<uint> _firsts = [];
        private readonly List<int> _starts = [];
        private uint _last;
        private int _count;

        /// <summary>Adds the next UID (greater than the one before).</summary>
        public void Add(uint uid)
        {
            if (_count == 0 || uid != _last + 1)
            {
                _firsts.Add(uid);
                _starts.Add(_count);
            }
            _last = uid;
            _count++;
        }

        public UidRuns Build() => new([.. _firsts], [.. _starts, _count]);
    }
}
