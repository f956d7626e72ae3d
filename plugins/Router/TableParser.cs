using Kernel.Abstractions;

namespace Router;

/// <summary>
/// Parses the Router table grammar of router.md §3 with every rule on top of it. Every bad line is reported as
/// <c>line N: reason</c>; a table with any error is refused whole (no table is returned). Never throws.
/// </summary>
internal static class TableParser
{
    /// <summary>A line longer than this is refused (an address is at most <see cref="RoutingAddress.MaxLength"/>).</summary>
    public const int MaxLineLength = 4096;

    private static readonly (string Word, KindPrefix Kind)[] KindWords =
        [("Mail", KindPrefix.Mail), ("Signal", KindPrefix.Signal), ("Call", KindPrefix.Call), ("Access", KindPrefix.Access), ("HTTP", KindPrefix.Http)];

    private static readonly (string Word, RelayPrefix Relay)[] RelayWords =
        [("Relay", RelayPrefix.Relay), ("NoRelay", RelayPrefix.NoRelay), ("RelayAll", RelayPrefix.RelayAll)];

    public static TableParseResult Parse(string? text)
    {
        text ??= "";
        var errors = new List<string>();
        var warnings = new List<string>();
        var records = new Dictionary<(bool, string, KindPrefix), RouterRecord>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].TrimEnd('\r');
            if (line.Length > MaxLineLength)
            {
                errors.Add($"line {number}: line longer than {MaxLineLength} characters");
                continue;
            }
            if (!TryParseLine(number, line, out var record, out var error))
            {
                errors.Add($"line {number}: {error}");
                continue;
            }
            if (record is null) continue;
            // §3: the same left side with the same kind prefix — the later line wins, with a warning.
            var identity = (record.AddressLevel, record.Key, record.Kind);
            if (records.Remove(identity, out var earlier))
                warnings.Add($"line {number}: replaces line {earlier.Line} ({earlier.Text})");
            records[identity] = record;
        }
        if (errors.Count > 0) return new TableParseResult(null, errors, warnings);
        var ordered = records.Values.OrderBy(r => r.Line).ToArray();
        return new TableParseResult(new RouterTable(text, ordered), errors, warnings);
    }

    private static bool TryParseLine(int number, string line, out RouterRecord? record, out string error)
    {
        record = null;
        error = "";
        // §3: ';' starts a comment at the line start or after whitespace (lchar excludes ';' anyway).
        var comment = line.IndexOf(';');
        if (comment >= 0) line = line[..comment];
        var s = line.Trim(' ', '\t');
        if (s.Length == 0) return true;
        var original = s;

        var kind = KindPrefix.None;
        var relay = RelayPrefix.None;
        bool kindSeen = false, relaySeen = false;
        while (TryTakePrefixWord(ref s, out var word))
        {
            if (Lookup(RelayWords, word) is { } r)
            {
                if (relaySeen) return Fail("more than one relay prefix", out error);
                (relay, relaySeen) = (r, true);
            }
            else if (Lookup(KindWords, word) is { } k)
            {
                if (kindSeen) return Fail("more than one kind prefix", out error);
                (kind, kindSeen) = (k, true);
            }
            else
            {
                return Fail($"unknown prefix '{Shorten(word)}:'", out error);
            }
        }

        var equals = s.IndexOf('=');
        if (equals < 0) return Fail("no '=' in record", out error);
        var left = s[..equals].TrimEnd(' ', '\t');
        var right = s[(equals + 1)..].Trim(' ', '\t');
        if (left.Length == 0) return Fail("empty left side", out error);
        if (right.Length == 0) return Fail("empty right side", out error);
        if (left.Contains(' ') || left.Contains('\t')) return Fail("whitespace inside the left side", out error);
        if (right.Contains(' ') || right.Contains('\t') || right.Contains('=')) return Fail("whitespace or '=' inside the right side", out error);
        if (left.Length > RoutingAddress.MaxLength + 2 || right.Length > RoutingAddress.MaxLength)
            return Fail($"key or target longer than {RoutingAddress.MaxLength} characters", out error);

        var leftStars = left.Count(c => c == '*');
        if (leftStars > 1) return Fail("more than one '*' on the left side", out error);
        bool addressLevel;
        string key;
        if (left.StartsWith('<'))
        {
            if (!left.EndsWith('>') || left.Length < 2) return Fail("address key without closing '>'", out error);
            var inner = left[1..^1];
            var at = inner.LastIndexOf('@');
            if (at <= 0 || at == inner.Length - 1) return Fail("address key must be <local@domain>", out error);
            var local = inner[..at];
            var domain = inner[(at + 1)..];
            if (!local.All(c => IsLChar(c) || c == '*')) return Fail($"bad character in local part of key '{Shorten(left)}'", out error);
            if (!IsDomainPattern(domain)) return Fail($"bad domain in key '{Shorten(left)}'", out error);
            addressLevel = true;
            key = inner.ToLowerInvariant();
        }
        else
        {
            if (left != "*" && !IsDomainPattern(left)) return Fail($"bad domain key '{Shorten(left)}'", out error);
            addressLevel = false;
            key = left.EndsWith('.') && left.Length > 1 && !left.StartsWith('[') ? left[..^1].ToLowerInvariant() : left.ToLowerInvariant();
        }

        if (!right.Equals("error", StringComparison.OrdinalIgnoreCase) && !right.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            if (right.Contains('*') && leftStars == 0) return Fail("'*' on the right side needs a '*' on the left side", out error);
            var at = right.IndexOf('@');
            if (at >= 0)
            {
                if (right.LastIndexOf('@') != at) return Fail("more than one '@' in target", out error);
                var local = right[..at];
                var domain = right[(at + 1)..];
                if (local.Length == 0 || !local.All(c => IsLChar(c) || c == '*')) return Fail($"bad local part in target '{Shorten(right)}'", out error);
                if (!IsDomainPattern(domain)) return Fail($"bad domain in target '{Shorten(right)}'", out error);
                if (!CheckVia(domain, out error)) return false;
            }
            else
            {
                if (!right.All(c => IsLChar(c) || c == '*')) return Fail($"bad target '{Shorten(right)}'", out error);
                // A bare word is a domain in a domain-level record (§3): its .via port must be valid.
                if (!addressLevel && !CheckVia(right, out error)) return false;
            }
        }

        record = new RouterRecord(number, original, kind, relay, addressLevel, key, key.IndexOf('*'), right);
        return true;
    }

    /// <summary>Takes <c>Word:</c> (optionally followed by whitespace) off the front; false when the text does not start with one.</summary>
    private static bool TryTakePrefixWord(ref string s, out string word)
    {
        word = "";
        var i = 0;
        while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
        if (i == 0 || i >= s.Length || s[i] != ':') return false;
        word = s[..i];
        s = s[(i + 1)..].TrimStart(' ', '\t');
        return true;
    }

    private static T? Lookup<T>((string Word, T Value)[] words, string word) where T : struct
    {
        foreach (var (w, v) in words)
        {
            if (w.Equals(word, StringComparison.OrdinalIgnoreCase)) return v;
        }
        return null;
    }

    private static bool CheckVia(string domain, out string error)
    {
        error = "";
        if (domain.Contains('*') || !ViaHost.IsVia(domain)) return true;
        if (ViaHost.TryParse(domain, out _, out var reason)) return true;
        error = reason;
        return false;
    }

    /// <summary>§3 domain-pat: 1*(dchar | "*") or an ip-literal.</summary>
    private static bool IsDomainPattern(string domain)
    {
        if (domain.Length == 0) return false;
        if (domain.StartsWith('['))
            return domain.EndsWith(']') && domain.Length > 2 && RoutingAddress.TryParseLiteral(domain[1..^1], out _);
        return domain.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '*');
    }

    /// <summary>§3 lchar: printable ASCII except SP &lt; &gt; @ * ; " =.</summary>
    private static bool IsLChar(char c) => c is > ' ' and < (char)0x7f && c is not ('<' or '>' or '@' or '*' or ';' or '"' or '=');

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
