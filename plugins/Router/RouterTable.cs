namespace Router;

/// <summary>
/// A compiled, immutable Router table (router.md §3–§5): exact keys in dictionaries, one-star keys in a
/// <see cref="WildcardIndex"/>. Swapped as a whole, so a request never sees half a table.
/// </summary>
internal sealed class RouterTable
{
    private readonly Dictionary<string, RouterRecord[]> _exactAddress;
    private readonly Dictionary<string, RouterRecord[]> _exactDomain;
    private readonly WildcardIndex _wildAddress;
    private readonly WildcardIndex _wildDomain;

    public RouterTable(string text, IReadOnlyList<RouterRecord> records)
    {
        Text = text;
        Records = records;
        _exactAddress = Group(records.Where(r => r.AddressLevel && !r.IsWildcard));
        _exactDomain = Group(records.Where(r => !r.AddressLevel && !r.IsWildcard));
        _wildAddress = new WildcardIndex(records.Where(r => r.AddressLevel && r.IsWildcard));
        _wildDomain = new WildcardIndex(records.Where(r => !r.AddressLevel && r.IsWildcard));
    }

    public static RouterTable Empty { get; } = new("", []);

    /// <summary>The source text the table was compiled from (what <c>kernel router show</c> prints).</summary>
    public string Text { get; }

    public IReadOnlyList<RouterRecord> Records { get; }

    /// <summary>§5.2 step 1: exact address keys, in table order.</summary>
    public RouterRecord[] ExactAddress(string lowerAddress) =>
        _exactAddress.TryGetValue(lowerAddress, out var found) ? found : [];

    /// <summary>§5.2 step 3: exact domain keys, in table order.</summary>
    public RouterRecord[] ExactDomain(string lowerDomain) =>
        _exactDomain.TryGetValue(lowerDomain, out var found) ? found : [];

    /// <summary>§5.2 step 2: every matching one-star address key (unordered; the caller orders by line).</summary>
    public void WildcardAddress(string lowerAddress, List<RouterRecord> into) => _wildAddress.Collect(lowerAddress, into);

    /// <summary>§5.2 step 4: every matching one-star domain key (unordered).</summary>
    public void WildcardDomain(string lowerDomain, List<RouterRecord> into) => _wildDomain.Collect(lowerDomain, into);

    public bool HasWildcardAddress => _wildAddress.Count > 0;

    public bool HasWildcardDomain => _wildDomain.Count > 0;

    private static Dictionary<string, RouterRecord[]> Group(IEnumerable<RouterRecord> records) =>
        records.GroupBy(r => r.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Line).ToArray(), StringComparer.Ordinal);
}
