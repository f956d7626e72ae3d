namespace Rules;

/// <summary>
/// Finds, for one message, the rules of a set that can match, so a large set costs a few look-ups instead of a test
/// per rule. Conditions are joined by AND and have no side effects (rules.md §3.1), so a rule can only match when
/// each of its conditions holds; the index keys a rule by one condition that says "some value of this field matches
/// one of these pictures" (a positive <c>is</c>/<c>in</c>, or <c>Each …</c>, which implies it) and files each picture
/// under a literal every matching value must have: the whole value (no <c>*</c>), its start (<c>lit*</c>), its end
/// (<c>*lit</c>, as in <c>*@domain</c>), or a three-character piece of a contained literal. Rules without such a condition
/// are always visited. The index only narrows: each candidate is then tested in full, in the set's order (§3), so order
/// and stop semantics are those of a walk over every rule.
/// </summary>
internal sealed class RuleIndex
{
    private readonly ulong[] _always;
    private readonly FieldIndex[] _fields;

    public RuleIndex(IReadOnlyList<CompiledRule> rules)
    {
        _always = new ulong[(rules.Count + 63) / 64];
        var fields = new Dictionary<(DataKind, string), FieldIndex.Builder>();
        for (var i = 0; i < rules.Count; i++)
        {
            var key = rules[i].Conditions.FirstOrDefault(Indexable);
            if (key is null)
            {
                Set(_always, i);
                continue;
            }
            var field = (FieldKind(key.Kind), FieldName(key));
            if (!fields.TryGetValue(field, out var builder)) fields[field] = builder = new FieldIndex.Builder(field.Item1, field.Item2);
            foreach (var m in key.Matchers) builder.Add(m, i);
        }
        _fields = fields.Values.Select(b => b.Build()).ToArray();
    }

    /// <summary>How many rules are visited for every message (no indexable condition).</summary>
    public int AlwaysVisited => _always.Sum(w => System.Numerics.BitOperations.PopCount(w));

    /// <summary>The positions of the rules to test for this message, as a bit set in set order.</summary>
    public ulong[] Candidates(MessageFacts facts)
    {
        var bits = (ulong[])_always.Clone();
        foreach (var field in _fields)
        {
            foreach (var value in facts.Folded(field.Kind, field.Name)) field.Mark(value, bits);
        }
        return bits;
    }

    /// <summary>The first set position at or after <paramref name="from"/>; -1 when none is left.</summary>
    public static int Next(ulong[] bits, int from)
    {
        var word = from >> 6;
        if (word >= bits.Length) return -1;
        var w = bits[word] & (~0UL << (from & 63));
        while (w == 0)
        {
            if (++word == bits.Length) return -1;
            w = bits[word];
        }
        return (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(w);
    }

    private static void Set(ulong[] bits, int position) => bits[position >> 6] |= 1UL << (position & 63);

    /// <summary>A condition whose truth needs some value of one message field to match one of its pictures.</summary>
    private static bool Indexable(CompiledCondition c) =>
        !c.Negative && !c.HasStoredLists && c.Matchers.Length > 0 && c.Kind is DataKind.FirstAddress or DataKind.AllAddresses or DataKind.AnyToCc
            or DataKind.EachToCc or DataKind.ReturnPath or DataKind.AnyRecipient or DataKind.EachRecipient or DataKind.FromName
            or DataKind.DecodedHeader or DataKind.HeaderField or DataKind.Source or DataKind.SubmitAddress or DataKind.Security
        && c.Matchers.All(m => FieldIndex.Entry(m).Kind != FieldIndex.EntryKind.None);

    // Any and Each forms read the same values (MessageFacts.Folded): one field for both.
    private static DataKind FieldKind(DataKind kind) => kind switch
    {
        DataKind.EachToCc => DataKind.AnyToCc,
        DataKind.EachRecipient => DataKind.AnyRecipient,
        _ => kind,
    };

    private static string FieldName(CompiledCondition c) => c.Kind is DataKind.AnyToCc or DataKind.EachToCc or DataKind.AnyRecipient or DataKind.EachRecipient ? "" : c.FieldKey;

    /// <summary>The pictures of one field, filed by literal.</summary>
    private sealed class FieldIndex
    {
        public enum EntryKind { None, Exact, Prefix, Suffix, Piece }

        private readonly Dictionary<string, int[]> _exact;
        private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _prefix;
        private readonly int[] _prefixLengths;
        private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _suffix;
        private readonly int[] _suffixLengths;
        private readonly Dictionary<long, int[]> _pieces;

        private FieldIndex(DataKind kind, string name, Dictionary<string, int[]> exact, Dictionary<string, int[]> prefix, Dictionary<string, int[]> suffix, Dictionary<long, int[]> pieces)
        {
            Kind = kind;
            Name = name;
            _exact = exact;
            _prefix = prefix.GetAlternateLookup<ReadOnlySpan<char>>();
            _prefixLengths = prefix.Keys.Select(k => k.Length).Distinct().Order().ToArray();
            _suffix = suffix.GetAlternateLookup<ReadOnlySpan<char>>();
            _suffixLengths = suffix.Keys.Select(k => k.Length).Distinct().Order().ToArray();
            _pieces = pieces;
        }

        public DataKind Kind { get; }

        public string Name { get; }

        /// <summary>Where a picture is filed: the literal a matching value must equal, start with, end with or contain.</summary>
        public static (EntryKind Kind, string Literal) Entry(PictureMatcher m) => m.Shape switch
        {
            PictureShape.Exact => (EntryKind.Exact, m.Literal),
            PictureShape.Prefix => (EntryKind.Prefix, m.Literal),
            PictureShape.Suffix => (EntryKind.Suffix, m.Literal),
            PictureShape.Contains when m.Literal.Length >= 3 => (EntryKind.Piece, m.Literal),
            PictureShape.General when m.Leading.Length > 0 || m.Trailing.Length > 0 =>
                m.Leading.Length >= m.Trailing.Length ? (EntryKind.Prefix, m.Leading) : (EntryKind.Suffix, m.Trailing),
            PictureShape.General when m.Longest.Length >= 3 => (EntryKind.Piece, m.Longest),
            _ => (EntryKind.None, ""),
        };

        /// <summary>Sets the bit of every rule with a picture this folded value may match.</summary>
        public void Mark(string value, ulong[] bits)
        {
            if (_exact.TryGetValue(value, out var rules)) SetAll(bits, rules);
            foreach (var n in _prefixLengths)
            {
                if (n > value.Length) break;
                if (_prefix.TryGetValue(value.AsSpan(0, n), out rules)) SetAll(bits, rules);
            }
            foreach (var n in _suffixLengths)
            {
                if (n > value.Length) break;
                if (_suffix.TryGetValue(value.AsSpan(value.Length - n), out rules)) SetAll(bits, rules);
            }
            if (_pieces.Count == 0) return;
            for (var i = 0; i + 3 <= value.Length; i++)
            {
                if (_pieces.TryGetValue(Piece(value, i), out rules)) SetAll(bits, rules);
            }
        }

        private static void SetAll(ulong[] bits, int[] rules)
        {
            foreach (var r in rules) Set(bits, r);
        }

        private static long Piece(string text, int at) => text[at] | (long)text[at + 1] << 16 | (long)text[at + 2] << 32;

        public sealed class Builder(DataKind kind, string name)
        {
            private readonly Dictionary<string, List<int>> _exact = new(StringComparer.Ordinal);
            private readonly Dictionary<string, List<int>> _prefix = new(StringComparer.Ordinal);
            private readonly Dictionary<string, List<int>> _suffix = new(StringComparer.Ordinal);
            private readonly List<(string Literal, int Rule)> _contained = [];

            public void Add(PictureMatcher m, int rule)
            {
                var (entry, literal) = Entry(m);
                switch (entry)
                {
                    case EntryKind.Exact: Add(_exact, literal, rule); break;
                    case EntryKind.Prefix: Add(_prefix, literal, rule); break;
                    case EntryKind.Suffix: Add(_suffix, literal, rule); break;
                    case EntryKind.Piece: _contained.Add((literal, rule)); break;
                }
            }

            public FieldIndex Build()
            {
                // A contained literal is filed under its rarest three-character piece among this field's literals
                // (pictures like "*ticket 1*", "*ticket 2*" share "tic" but not "t 1"), so few rules share a key.
                var counts = new Dictionary<long, int>();
                foreach (var (literal, _) in _contained)
                {
                    foreach (var piece in Pieces(literal).Distinct()) counts[piece] = counts.GetValueOrDefault(piece) + 1;
                }
                var pieces = new Dictionary<long, List<int>>();
                foreach (var (literal, rule) in _contained)
                {
                    var rarest = Pieces(literal).MinBy(p => counts[p]);
                    if (!pieces.TryGetValue(rarest, out var list)) pieces[rarest] = list = [];
                    list.Add(rule);
                }
                return new FieldIndex(kind, name, Freeze(_exact), Freeze(_prefix), Freeze(_suffix), pieces.ToDictionary(p => p.Key, p => p.Value.Distinct().ToArray()));
            }

            private static IEnumerable<long> Pieces(string literal)
            {
                for (var i = 0; i + 3 <= literal.Length; i++) yield return Piece(literal, i);
            }

            private static void Add(Dictionary<string, List<int>> map, string literal, int rule)
            {
                if (!map.TryGetValue(literal, out var list)) map[literal] = list = [];
                list.Add(rule);
            }

            private static Dictionary<string, int[]> Freeze(Dictionary<string, List<int>> map) =>
                map.ToDictionary(p => p.Key, p => p.Value.Distinct().ToArray(), StringComparer.Ordinal);
        }
    }
}
