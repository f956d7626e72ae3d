using System.Text;

namespace Rules;

/// <summary>
/// Reads the canonical array notation of rules.md §9.1 (CommuniGate's own rule data) into the model. Only the
/// structure is checked here; names, operations and parameters are checked by <see cref="RuleValidator"/>.
/// A syntax error stops reading (nothing after it can be trusted) and names its line.
/// </summary>
internal static class CanonicalParser
{
    // ruleset → rule → condition/action list → condition/action → string: deeper is never valid (and bounds recursion).
    private const int MaxDepth = 4;

    private sealed record Node(string? Text, List<Node>? Items, int Line)
    {
        public bool IsList => Items is not null;
    }

    public static ParseResult Parse(string text)
    {
        Node root;
        try
        {
            var reader = new Reader(text);
            root = reader.ReadNode(0);
            reader.SkipBlanks();
            if (!reader.AtEnd) throw new SyntaxError(reader.Line, "text after the closing ')' of the rule set");
        }
        catch (SyntaxError e)
        {
            return ParseResult.Failed($"line {e.Line}: {e.Message}");
        }
        if (!root.IsList) return ParseResult.Failed($"line {root.Line}: a rule set starts with '('");

        var errors = new List<string>();
        var rules = new List<Rule>();
        foreach (var node in root.Items!)
        {
            if (ReadRule(node, errors) is { } rule) rules.Add(rule);
        }
        return new ParseResult(errors.Count == 0 ? new RuleSet(rules) : null, errors);
    }

    private static Rule? ReadRule(Node node, List<string> errors)
    {
        if (node is not { IsList: true, Items.Count: 4 } || node.Items[0].IsList || node.Items[1].IsList || !node.Items[2].IsList || !node.Items[3].IsList)
        {
            errors.Add($"line {node.Line}: a rule is (priority, name, (conditions), (actions))");
            return null;
        }
        var items = node.Items;
        var priority = Vocabulary.ParsePriority(items[0].Text!);
        var name = items[1].Text!;
        if (priority is null)
        {
            errors.Add($"line {items[0].Line}: rule '{name}': priority '{items[0].Text}' is not 0…10, Inactive or Highest");
            return null;
        }
        var conditions = new List<Condition>();
        foreach (var c in items[2].Items!)
        {
            if (c is not { IsList: true } || c.Items!.Count is < 1 or > 3 || c.Items.Any(i => i.IsList))
            {
                errors.Add($"line {c.Line}: rule '{name}': a condition is (data, operation, parameter)");
                continue;
            }
            // ("Human Generated", "---") and ("Human Generated") take no operation; everything else has all three.
            conditions.Add(c.Items.Count switch
            {
                1 => new Condition(c.Items[0].Text!, null, null, c.Line),
                2 => new Condition(c.Items[0].Text!, null, c.Items[1].Text, c.Line),
                _ => new Condition(c.Items[0].Text!, c.Items[1].Text, c.Items[2].Text, c.Line),
            });
        }
        var actions = new List<RuleAction>();
        foreach (var a in items[3].Items!)
        {
            if (a is not { IsList: true } || a.Items!.Count is < 1 or > 2 || a.Items.Any(i => i.IsList))
            {
                errors.Add($"line {a.Line}: rule '{name}': an action is (verb, parameter)");
                continue;
            }
            actions.Add(new RuleAction(a.Items[0].Text!, a.Items.Count == 2 ? a.Items[1].Text : null, a.Line));
        }
        return new Rule(name, priority.Value, conditions, actions, node.Line);
    }

    private sealed class SyntaxError(int line, string message) : Exception(message)
    {
        public int Line { get; } = line;
    }

    private sealed class Reader(string text)
    {
        private int _pos;

        public int Line { get; private set; } = 1;

        public bool AtEnd => _pos >= text.Length;

        public void SkipBlanks()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                if (text[_pos] == '\n') Line++;
                _pos++;
            }
        }

        public Node ReadNode(int depth)
        {
            SkipBlanks();
            if (AtEnd) throw new SyntaxError(Line, "unexpected end of the text");
            var c = text[_pos];
            if (c == '(') return ReadList(depth);
            if (c == '"') return new Node(ReadQuoted(), null, Line);
            if (IsAtomChar(c)) return new Node(ReadAtom(), null, Line);
            throw new SyntaxError(Line, $"unexpected '{Printable(c)}'");
        }

        private Node ReadList(int depth)
        {
            if (depth >= MaxDepth) throw new SyntaxError(Line, "lists nested too deeply");
            var line = Line;
            _pos++; // (
            var items = new List<Node>();
            SkipBlanks();
            if (!AtEnd && text[_pos] == ')')
            {
                _pos++;
                return new Node(null, items, line);
            }
            while (true)
            {
                items.Add(ReadNode(depth + 1));
                SkipBlanks();
                if (AtEnd) throw new SyntaxError(Line, $"missing ')' for the '(' of line {line}");
                var next = text[_pos++];
                if (next == ')') return new Node(null, items, line);
                if (next != ',') throw new SyntaxError(Line, $"expected ',' or ')', found '{Printable(next)}'");
            }
        }

        private string ReadAtom()
        {
            var start = _pos;
            while (_pos < text.Length && IsAtomChar(text[_pos])) _pos++;
            return text[start.._pos];
        }

        private string ReadQuoted()
        {
            var line = Line;
            _pos++; // "
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw new SyntaxError(line, "a quoted string is not closed");
                var c = text[_pos++];
                if (c == '"') return sb.ToString();
                if (c == '\n') Line++;
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (AtEnd) throw new SyntaxError(line, "a quoted string is not closed");
                var e = text[_pos++];
                sb.Append(e switch
                {
                    '"' => '"',
                    '\\' => '\\',
                    'e' or 'n' => '\n', // \e: CommuniGate's line break (rules.md §9.1)
                    't' => '\t',
                    'r' => '\r',
                    _ => throw new SyntaxError(Line, $"unknown escape '\\{Printable(e)}' in a quoted string"),
                });
            }
        }

        private static bool IsAtomChar(char c) => char.IsAsciiLetterOrDigit(c) || ".-_@~/*#!%+'".Contains(c);

        private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();
    }
}
