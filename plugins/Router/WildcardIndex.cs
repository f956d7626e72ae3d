namespace Router;

/// <summary>
/// One-star keys indexed by shape (prefix length, suffix length): a lookup makes one hash probe per distinct shape,
/// never a scan over the records (issue 4 "Speed"; router.md §5.2 performance note). Records sharing a prefix and a
/// suffix keep table order in their bucket.
/// </summary>
internal sealed class WildcardIndex
{
    private const char Separator = '\u0001';
    private readonly Dictionary<string, RouterRecord[]> _buckets;
    private readonly Dictionary<string, RouterRecord[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly (int Prefix, int Suffix)[] _shapes;

    public WildcardIndex(IEnumerable<RouterRecord> records)
        : this(records.Select(r => (r.Key, r)))
    {
    }

    /// <summary>Indexes each record under <c>Pattern</c> (its whole key, or a part of it holding the one star).</summary>
    public WildcardIndex(IEnumerable<(string Pattern, RouterRecord Record)> records)
    {
        var buckets = new Dictionary<string, List<RouterRecord>>(StringComparer.Ordinal);
        var shapes = new HashSet<(int, int)>();
        foreach (var (pattern, record) in records)
        {
            var star = pattern.IndexOf('*');
            var prefix = pattern[..star];
            var suffix = pattern[(star + 1)..];
            var key = prefix + Separator + suffix;
            if (!buckets.TryGetValue(key, out var list)) buckets[key] = list = [];
            list.Add(record);
            shapes.Add((prefix.Length, suffix.Length));
        }
        _buckets = buckets.ToDictionary(b => b.Key, b => b.Value.OrderBy(r => r.Line).ToArray(), StringComparer.Ordinal);
        _lookup = _buckets.GetAlternateLookup<ReadOnlySpan<char>>();
        _shapes = shapes.OrderBy(s => s.Item1 + s.Item2).ToArray();
    }

    public int Count => _buckets.Count;

    /// <summary>Adds every record whose key matches <paramref name="lowerText"/> (a star matches one or more characters, §5.1).</summary>
    public void Collect(ReadOnlySpan<char> lowerText, List<RouterRecord> into)
    {
        if (_shapes.Length == 0) return;
        Span<char> buffer = lowerText.Length < 1024 ? stackalloc char[lowerText.Length + 1] : new char[lowerText.Length + 1];
        foreach (var (prefix, suffix) in _shapes)
        {
            if (prefix + suffix >= lowerText.Length) continue;
            lowerText[..prefix].CopyTo(buffer);
            buffer[prefix] = Separator;
            lowerText[^suffix..].CopyTo(buffer[(prefix + 1)..]);
            if (_lookup.TryGetValue(buffer[..(prefix + suffix + 1)], out var bucket)) into.AddRange(bucket);
        }
    }
}
