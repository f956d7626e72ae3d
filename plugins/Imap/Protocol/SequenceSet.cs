using System.Globalization;
using System.Text;

namespace Imap.Protocol;

/// <summary>
/// An RFC 3501 sequence-set (<c>1:3,5,7:*</c>) as parsed, with <c>*</c> kept as <see cref="Star"/> until it is
/// resolved against the mailbox (the highest sequence number or UID).
/// </summary>
internal sealed record SequenceSet(IReadOnlyList<(uint First, uint Last)> Ranges)
{
    public const uint Star = uint.MaxValue;

    /// <summary>RFC 5182 <c>$</c>: the result saved by the last <c>SEARCH RETURN (SAVE)</c>, resolved by the session.</summary>
    public bool IsSaved { get; private init; }

    public static SequenceSet Saved { get; } = new([]) { IsSaved = true };

    /// <summary>The ranges with <c>*</c> replaced by <paramref name="max"/> and each range ordered low to high.</summary>
    public IReadOnlyList<(uint First, uint Last)> Resolve(uint max)
    {
        var list = new List<(uint, uint)>(Ranges.Count);
        foreach (var (a0, b0) in Ranges)
        {
            var a = a0 == Star ? max : a0;
            var b = b0 == Star ? max : b0;
            list.Add(a <= b ? (a, b) : (b, a));
        }
        return list;
    }

    public static bool TryParse(string text, out SequenceSet? set)
    {
        set = null;
        if (text.Length == 0) return false;
        var ranges = new List<(uint, uint)>();
        foreach (var part in text.Split(','))
        {
            var colon = part.IndexOf(':');
            if (colon < 0)
            {
                if (!TryNumber(part, out var n)) return false;
                ranges.Add((n, n));
            }
            else
            {
                if (!TryNumber(part[..colon], out var a) || !TryNumber(part[(colon + 1)..], out var b)) return false;
                ranges.Add((a, b));
            }
        }
        set = new SequenceSet(ranges);
        return true;
    }

    private static bool TryNumber(string text, out uint value)
    {
        value = 0;
        if (text == "*") { value = Star; return true; }
        // nz-number: no leading zero, 1..4294967295 (Star is reserved for '*').
        if (text.Length == 0 || text[0] == '0') return false;
        foreach (var c in text) if (c is < '0' or > '9') return false;
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value != Star;
    }

    /// <summary>Formats UIDs compactly (<c>3:5,9</c>) for APPENDUID/COPYUID, ESEARCH and VANISHED; keeps the order given.</summary>
    public static string Format(IEnumerable<uint> values)
    {
        var sb = new StringBuilder();
        uint? start = null, prev = null;
        foreach (var v in values)
        {
            if (prev is { } p && v == p + 1) { prev = v; continue; }
            Flush();
            start = prev = v;
        }
        Flush();
        return sb.ToString();

        void Flush()
        {
            if (start is null) return;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(start.Value.ToString(CultureInfo.InvariantCulture));
            if (prev != start) sb.Append(':').Append(prev!.Value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
