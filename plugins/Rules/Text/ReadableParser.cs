using System.Text;

namespace Rules;

/// <summary>
/// Reads the readable form of rules.md §9.2 (<c>rule "name" priority N</c> / <c>if</c> / <c>and</c> / <c>do</c> /
/// <c>end</c>). Known names with blanks need no quotes: data, operation and verb names are matched longest-first.
/// </summary>
internal static class ReadableParser
{
    private static readonly string[] DataNames = Vocabulary.Conditions.Select(c => c.Name).Concat(Vocabulary.UnsupportedConditions)
        .OrderByDescending(n => n.Length).ToArray();

    private static readonly string[] VerbNames = Vocabulary.Actions.Select(a => a.Name).Concat(Vocabulary.UnsupportedActions)
        .OrderByDescending(n => n.Length).ToArray();

    private static readonly string[] OperationNames = Vocabulary.Operations.OrderByDescending(n => n.Length).ToArray();

    private sealed class Draft(string name, int priority, int line)
    {
        public List<Condition> Conditions { get; } = [];
        public List<RuleAction> Actions { get; } = [];
        public Rule ToRule() => new(name, priority, Conditions, Actions, line);
    }

    public static ParseResult Parse(string text)
    {
        var errors = new List<string>();
        var rules = new List<Rule>();
        Draft? current = null;
        var last = 1;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var n = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            last = n;
            var (keyword, rest) = SplitWord(line);
            switch (keyword.ToLowerInvariant())
            {
                case "rule":
                    if (current is not null) errors.Add($"line {n}: 'rule' before the 'end' of the previous rule");
                    current = ReadHeader(rest, n, errors);
                    break;
                case "if" or "and":
                    if (current is null) errors.Add($"line {n}: '{keyword}' outside a rule");
                    else if (ReadCondition(rest, n, errors) is { } condition)
                    {
                        if (keyword.Equals("if", StringComparison.OrdinalIgnoreCase) != (current.Conditions.Count == 0))
                            errors.Add($"line {n}: the first condition starts with 'if', the others with 'and'");
                        current.Conditions.Add(condition);
                    }
                    break;
                case "do":
                    if (current is null) errors.Add($"line {n}: 'do' outside a rule");
                    else if (ReadAction(rest, n, errors) is { } action) current.Actions.Add(action);
                    break;
                case "end":
                    if (current is null) errors.Add($"line {n}: 'end' without a rule");
                    else rules.Add(current.ToRule());
                    current = null;
                    break;
                default:
                    errors.Add($"line {n}: expected rule, if, and, do or end, found '{keyword}'");
                    break;
            }
        }
        if (current is not null) errors.Add($"line {last}: the last rule has no 'end'");
        return new ParseResult(errors.Count == 0 ? new RuleSet(rules) : null, errors);
    }

    private static Draft? ReadHeader(string rest, int line, List<string> errors)
    {
        if (!TryReadString(ref rest, out var name))
        {
            errors.Add($"line {line}: a rule starts with rule \"<name>\" priority <0…10|Inactive|Highest>");
            return null;
        }
        var (word, value) = SplitWord(rest.Trim());
        if (!word.Equals("priority", StringComparison.OrdinalIgnoreCase) || Vocabulary.ParsePriority(value) is not { } priority)
        {
            errors.Add($"line {line}: rule '{name}': expected priority <0…10|Inactive|Highest> after the name");
            return null;
        }
        return new Draft(name, priority, line);
    }

    private static Condition? ReadCondition(string rest, int line, List<string> errors)
    {
        if (MatchName(ref rest, DataNames) is not { } data)
        {
            errors.Add($"line {line}: unknown condition '{rest}'");
            return null;
        }
        var operation = MatchName(ref rest, OperationNames);
        if (!TryReadParameter(rest, out var parameter))
        {
            errors.Add($"line {line}: condition {data}: the parameter is one quoted string, found '{rest.Trim()}'");
            return null;
        }
        return new Condition(data, operation, parameter, line);
    }

    private static RuleAction? ReadAction(string rest, int line, List<string> errors)
    {
        if (MatchName(ref rest, VerbNames) is not { } verb)
        {
            errors.Add($"line {line}: unknown action '{rest}'");
            return null;
        }
        if (!TryReadParameter(rest, out var parameter))
        {
            errors.Add($"line {line}: action {verb}: the parameter is one quoted string, found '{rest.Trim()}'");
            return null;
        }
        return new RuleAction(verb, parameter, line);
    }

    /// <summary>The longest known name at the start of <paramref name="rest"/>, ending at a blank, a quote or the end.</summary>
    private static string? MatchName(ref string rest, string[] names)
    {
        var text = rest.TrimStart();
        foreach (var name in names)
        {
            if (!text.StartsWith(name, StringComparison.OrdinalIgnoreCase)) continue;
            if (text.Length > name.Length && !char.IsWhiteSpace(text[name.Length]) && text[name.Length] != '"') continue;
            rest = text[name.Length..];
            return name;
        }
        return null;
    }

    /// <summary>Nothing (no parameter), one quoted string, or one bare word without blanks.</summary>
    private static bool TryReadParameter(string rest, out string? parameter)
    {
        parameter = null;
        var text = rest.Trim();
        if (text.Length == 0) return true;
        if (text[0] != '"')
        {
            if (text.Any(char.IsWhiteSpace)) return false;
            parameter = text;
            return true;
        }
        if (!TryReadString(ref text, out var value) || text.Trim().Length > 0) return false;
        parameter = value;
        return true;
    }

    private static bool TryReadString(ref string rest, out string value)
    {
        value = "";
        var text = rest.TrimStart();
        if (text.Length == 0 || text[0] != '"') return false;
        var sb = new StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                value = sb.ToString();
                rest = text[(i + 1)..];
                return true;
            }
            if (c != '\\' || i + 1 == text.Length)
            {
                sb.Append(c);
                continue;
            }
            var e = text[++i];
            sb.Append(e switch { 'e' or 'n' => '\n', 't' => '\t', 'r' => '\r', _ => e });
        }
        return false;
    }

    private static (string Word, string Tail) SplitWord(string line)
    {
        var end = 0;
        while (end < line.Length && !char.IsWhiteSpace(line[end])) end++;
        return (line[..end], line[end..].Trim());
    }
}
