using System.Globalization;

namespace Rules;

/// <summary>The typed parameters of rules.md §4–§6, read the same way when a set is saved and when it runs.</summary>
internal static class ParameterSyntax
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd", "d MMM yyyy", "dd MMM yyyy"];

    /// <summary>§4: a comma-separated list; blanks around items are ignored, empty items dropped.</summary>
    public static string[] SplitList(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>§4: a byte count with an optional K, M or G suffix (powers of 1024).</summary>
    public static long? ParseSize(string text)
    {
        var t = text.Trim();
        if (t.Length == 0) return null;
        var multiplier = char.ToUpperInvariant(t[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        if (multiplier != 1) t = t[..^1].TrimEnd();
        return t.Length is > 0 and <= 12 && t.All(char.IsAsciiDigit) ? long.Parse(t, CultureInfo.InvariantCulture) * multiplier : null;
    }

    /// <summary>§5 Time Of Day: <c>HH:MM[:SS]</c>.</summary>
    public static TimeSpan? ParseTimeOfDay(string text) =>
        TimeSpan.TryParseExact(text.Trim(), ["hh\\:mm", "h\\:mm", "hh\\:mm\\:ss", "h\\:mm\\:ss"], CultureInfo.InvariantCulture, out var t) && t < TimeSpan.FromDays(1) ? t : null;

    /// <summary>§5 Current Date: <c>YYYY-MM-DD</c>, also <c>DD Mon YYYY</c>.</summary>
    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>§5 Current Day: <c>Mon</c> … <c>Sun</c>, full names too.</summary>
    public static DayOfWeek? ParseWeekday(string text)
    {
        var t = text.Trim();
        if (t.Length < 3) return null;
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            var name = day.ToString();
            if (t.Equals(name, StringComparison.OrdinalIgnoreCase) || t.Equals(name[..3], StringComparison.OrdinalIgnoreCase)) return day;
        }
        return null;
    }

    /// <summary><c>Name: value</c> (Header Field, Preference, Add Header): the name and the rest, or null when there is no valid name.</summary>
    public static (string Name, string Value)? SplitField(string text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0) return null;
        var name = text[..colon].Trim();
        // RFC 5322 §3.6.8: a field name is printable ASCII except the colon, no blanks.
        if (name.Length == 0 || name.Any(c => c <= ' ' || c > '~')) return null;
        return (name, text[(colon + 1)..].Trim());
    }

    /// <summary>§6.1: a comma-separated address list, each <c>local@domain</c> (angle brackets allowed).</summary>
    public static string[] AddressList(string text) => SplitList(text).Select(a => a.Trim('<', '>').Trim()).ToArray();

    public static bool IsAddress(string address)
    {
        var at = address.LastIndexOf('@');
        return at > 0 && at < address.Length - 1 && address.Length <= 256 && !address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '<' or '>')
            && address[(at + 1)..].Contains('.', StringComparison.Ordinal) | address[(at + 1)..].StartsWith('[');
    }

    /// <summary>§6 Mark: the IMAP system flags by name (backslash optional), anything else a keyword.</summary>
    public static readonly string[] SystemFlags = ["Seen", "Flagged", "Answered", "Deleted", "Draft"];

    public static bool IsFlag(string flag)
    {
        var name = flag.TrimStart('\\');
        if (flag.StartsWith('\\')) return SystemFlags.Contains(name, StringComparer.OrdinalIgnoreCase);
        // RFC 3501 §9 flag-keyword: atom characters only.
        return name.Length > 0 && name.All(c => c > ' ' && c < 127 && !"(){%*\"\\]".Contains(c));
    }
}
