using System.Text;

namespace Rules;

/// <summary>
/// The one entry point for rule text (rules.md §9): canonical (§9.1, starts with '(') or readable (§9.2), checked for
/// a scope. A set with any error is refused whole.
/// </summary>
public static class RuleText
{
    public static ParseResult Parse(string text, RuleScope scope)
    {
        ArgumentNullException.ThrowIfNull(text);
        // §8.2: the limit is on the serialized set; twice that as input leaves room for comments-free readable text.
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > 2 * RuleLimits.MaxSetBytes) return ParseResult.Failed($"line 1: the text is {bytes} bytes; a rule set is at most {RuleLimits.MaxSetBytes} bytes");
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0) return new ParseResult(RuleSet.Empty, []);
        var parsed = trimmed[0] == '(' ? CanonicalParser.Parse(text) : ReadableParser.Parse(text);
        return parsed.Ok ? RuleValidator.Validate(parsed.Set!, scope) : parsed;
    }
}
