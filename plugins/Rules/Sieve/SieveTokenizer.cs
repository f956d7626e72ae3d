using System.Globalization;
using System.Text;

namespace Rules;

internal enum SieveTokenKind { Identifier, Tag, String, Number, Symbol }

internal sealed record SieveToken(SieveTokenKind Kind, string Text, int Line, long Number = 0);

/// <summary>RFC 5228 §2 lexical rules: identifiers, <c>:tags</c>, quoted strings, numbers with K/M/G, symbols, and both comment forms.</summary>
internal static class SieveTokenizer
{
    public static List<SieveToken> Read(string text)
    {
        var tokens = new List<SieveToken>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '#')
            {
                var start = i;
                while (i < text.Length && text[i] != '\n') i++;
                tokens.Add(new SieveToken(SieveTokenKind.Symbol, text[start..i], line)); // kept: our export names rules in comments
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new SieveError(line, "a /* comment is not closed");
                line += text.AsSpan(i, end - i).Count('\n');
                i = end + 2;
                continue;
            }
            if (c == '"')
            {
                var sb = new StringBuilder();
                var startLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new SieveError(startLine, "a quoted string is not closed");
                    var d = text[i++];
                    if (d == '"') break;
                    if (d == '\n') line++;
                    // RFC 5228 §2.4.2: a backslash quotes the next character.
                    if (d == '\\' && i < text.Length) d = text[i++];
                    sb.Append(d);
                }
                tokens.Add(new SieveToken(SieveTokenKind.String, sb.ToString(), startLine));
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                var n = long.Parse(text.AsSpan(start, Math.Min(i - start, 15)), CultureInfo.InvariantCulture);
                if (i < text.Length && "KkMmGg".Contains(text[i]))
                    n *= char.ToUpperInvariant(text[i++]) switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
                tokens.Add(new SieveToken(SieveTokenKind.Number, text[start..i], line, n));
                continue;
            }
            if (c == 't' && text.AsSpan(i).StartsWith("text:")) throw new SieveError(line, "multi-line text: strings are not read");
            if (c == ':' || char.IsAsciiLetter(c) || c == '_')
            {
                var start = i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '.')) i++;
                tokens.Add(new SieveToken(c == ':' ? SieveTokenKind.Tag : SieveTokenKind.Identifier, text[start..i].ToLowerInvariant(), line));
                continue;
            }
            if ("{}()[];,".Contains(c))
            {
                tokens.Add(new SieveToken(SieveTokenKind.Symbol, c.ToString(), line));
                i++;
                continue;
            }
            throw new SieveError(line, $"unexpected '{c}'");
        }
        return tokens;
    }
}

internal sealed class SieveError(int line, string message) : Exception(message)
{
    public int Line { get; } = line;
}
