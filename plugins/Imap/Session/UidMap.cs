namespace Imap.Session;

/// <summary>
/// The message sequence numbers of a selected mailbox (RFC 3501 §2.3.1.2): message n is <c>this[n-1]</c>, UIDs
/// ascending. Held as runs of consecutive UIDs, because a mailbox is mostly such runs (UIDs are given out in order and
/// only expunges cut them): 10,000 messages without gaps are one run (8 bytes) instead of a 40 KB array per idle
/// selected session. The list-like surface (<see cref="Count"/>, indexer, <see cref="BinarySearch"/>,
/// <see cref="AddRange"/>, <see cref="RemoveAt"/>) is what the session uses.
/// </summary>
internal sealed class UidMap
{
    // run r: UIDs _first[r] .. _first[r] + length - 1 at indexes _start[r] .. _start[r] + length - 1
    private readonly List<uint> _first = [];
    private readonly List<int> _start = [];

    public UidMap(IEnumerable<uint> ascending) => AddRange(ascending);

    public int Count { get; private set; }

    public uint this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            var r = RunOfIndex(index);
            return _first[r] + (uint)(index - _start[r]);
        }
    }

    /// <summary>The index of <paramref name="uid"/>, or a negative number when it is not in the map (as <see cref="List{T}.BinarySearch(T)"/>).</summary>
    public int BinarySearch(uint uid)
    {
        var r = RunOfUid(uid);
        if (r < 0) return ~0;
        var offset = uid - _first[r];
        return offset < (uint)RunLength(r) ? _start[r] + (int)offset : ~(_start[r] + RunLength(r));
    }

    /// <summary>Appends UIDs above the last one (new messages); others are ignored.</summary>
    public void AddRange(IEnumerable<uint> ascending)
    {
        foreach (var uid in ascending)
        {
            var runs = _first.Count;
            if (runs > 0)
            {
                var last = _first[runs - 1] + (uint)RunLength(runs - 1) - 1;
                if (uid <= last) continue;
                if (uid == last + 1)
                {
                    Count++;
                    continue;
                }
            }
            _first.Add(uid);
            _start.Add(Count);
            Count++;
        }
    }

    /// <summary>Removes message <paramref name="index"/> + 1 (an expunge): the later ones move down by one.</summary>
    public void RemoveAt(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        var r = RunOfIndex(index);
        var length = RunLength(r);
        var offset = index - _start[r];
        if (length == 1)
        {
            _first.RemoveAt(r);
            _start.RemoveAt(r);
            r--;
        }
        else if (offset == 0)
        {
            _first[r]++;
        }
        else if (offset < length - 1)
        {
            // split: the part after the removed UID becomes its own run (its start is fixed up below with the rest)
            _first.Insert(r + 1, _first[r] + (uint)offset + 1);
            _start.Insert(r + 1, index + 1);
        }
        for (var i = r + 1; i < _start.Count; i++) _start[i]--;
        Count--;
    }

    private int RunLength(int r) => (r + 1 < _start.Count ? _start[r + 1] : Count) - _start[r];

    /// <summary>The last run starting at or before <paramref name="index"/>.</summary>
    private int RunOfIndex(int index)
    {
        int lo = 0, hi = _start.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (_start[mid] <= index) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The last run whose first UID is at or below <paramref name="uid"/>; -1 when none.</summary>
    private int RunOfUid(uint uid)
    {
        int lo = 0, hi = _first.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (_first[mid] <= uid)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }
}
