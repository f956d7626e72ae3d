namespace Router;

/// <summary>
/// A compiled, immutable Router table (router.md §3–§5): exact keys in dictionaries, one-star keys in a
/// <see cref="WildcardIndex"/>. Swapped as a whole, so a request never sees half a table.
/// </summary>
internal sealed class RouterTable
{
    private readonly Dictionary<string, RouterRecord[]> _exactAddress;
    private readonly Dictionary<string, RouterRecord[]> _exactDomain;
    // Address keys with the star in the local part, grouped by their literal domain: one probe finds the group.
    private readonly Dictionary<string, WildcardIndex> _wildLocalByDomain;
    private readonly Dictionary<string, WildcardIndex>.AlternateLookup<ReadOnlySpan<char>> _wildLocalLookup;
    // Address keys with the star in the domain part.
    private readonly WildcardIndex _wildAddress;
    // Domain keys "*.suffix" by ".suffix": one probe per label boundary of the domain.
    private readonly Dictionary<string, RouterRecord[]> _wildLabel;
    // Every other one-star domain key (and the lone "*").
    private readonly WildcardIndex _wildDomain;
    private readonly int _wildAddressCount;
    private readonly int _wildDomainCount;

    public RouterTable(string text, IReadOnlyList<RouterRecord> records)
    {
        Text = text;
        Records = records;
        HasBareAddressTargets = records.Any(r => r.AddressLevel && !r.IsError && !r.IsNull && !r.Right.Contains('@'));
        _exactAddress = Group(records.Where(r => r.AddressLevel && !r.IsWildcard));
        _exactDomain = Group(records.Where(r => !r.AddressLevel && !r.IsWildcard));
        var wildAddress = records.Where(r => r.AddressLevel && r.IsWildcard).ToArray();
        _wildAddressCount = wildAddress.Length;
        _wildLocalByDomain = wildAddress.Where(r => r.Star < r.Key.LastIndexOf('@'))
            .GroupBy(r => r.Key[(r.Key.LastIndexOf('@') + 1)..], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new WildcardIndex(g.Select(r => (r.Key[..r.Key.LastIndexOf('@')], r))), StringComparer.Ordinal);
        _wildLocalLookup = _wildLocalByDomain.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildAddress = new WildcardIndex(wildAddress.Where(r => r.Star > r.Key.LastIndexOf('@')));
        var wildDomain = records.Where(r => !r.AddressLevel && r.IsWildcard).ToArray();
        _wildDomainCount = wildDomain.Length;
        _wildLabel = Group(wildDomain.Where(IsLabelWildcard), r => r.Key[1..]);
        _wildDomain = new WildcardIndex(wildDomain.Where(r => !IsLabelWildcard(r)));
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
    public void WildcardAddress(string lowerAddress, List<RouterRecord> into)
    {
        var at = lowerAddress.LastIndexOf('@');
        if (at > 0 && _wildLocalLookup.TryGetValue(lowerAddress.AsSpan(at + 1), out var local)) local.Collect(lowerAddress.AsSpan(0, at), into);
        _wildAddress.Collect(lowerAddress, into);
    }

    /// <summary>§5.2 step 4: every matching one-star domain key (unordered).</summary>
    public void WildcardDomain(string lowerDomain, List<RouterRecord> into)
    {
        if (_wildLabel.Count > 0)
        {
            // "*.x.dom" matches "a.x.dom": the star takes one or more characters before a dot.
            for (var dot = lowerDomain.IndexOf('.', 1); dot > 0; dot = lowerDomain.IndexOf('.', dot + 1))
            {
                if (_wildLabel.TryGetValue(lowerDomain[dot..], out var found)) into.AddRange(found);
            }
        }
        _wildDomain.Collect(lowerDomain, into);
    }

    public bool HasWildcardAddress => _wildAddressCount > 0;

    /// <summary>Some address-level record names a bare Main Domain name: the self-mapping check (§5.2) needs the Main Domain.</summary>
    public bool HasBareAddressTargets { get; }

    public bool HasAddressKeys => _exactAddress.Count > 0 || _wildAddressCount > 0;

    public bool HasWildcardDomain => _wildDomainCount > 0;

    private static bool IsLabelWildcard(RouterRecord record) => record.Star == 0 && record.Key.Length > 2 && record.Key[1] == '.';

    private static Dictionary<string, RouterRecord[]> Group(IEnumerable<RouterRecord> records, Func<RouterRecord, string>? key = null) =>
        records.GroupBy(key ?? (r => r.Key), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Line).ToArray(), StringComparer.Ordinal);
}
