using System.Globalization;
using System.Text;

namespace Rules;

/// <summary>Writes a set in the canonical form of rules.md §9.1 (what is stored) or the readable form of §9.2.</summary>
public static class RulePrinter
{
    public static string ToCanonical(RuleSet set)
    {
        if (set.Rules.Count == 0) return "()\n";
        var sb = new StringBuilder("(\n");
        for (var i = 0; i < set.Rules.Count; i++)
        {
            var rule = set.Rules[i];
            sb.Append("  (").Append(rule.Priority.ToString(CultureInfo.InvariantCulture)).Append(", ").Append(Quote(rule.Name)).Append(",\n    (");
            sb.AppendJoin(",\n     ", rule.Conditions.Select(c => c.Operation is null
                ? $"({Quote(c.Data)}, {Quote(c.Parameter ?? "---")})"
                : $"({Quote(c.Data)}, {Quote(c.Operation)}, {Quote(c.Parameter ?? "")})"));
            sb.Append("),\n    (");
            sb.AppendJoin(",\n     ", rule.Actions.Select(a => $"({Quote(a.Verb)}, {Quote(a.Parameter ?? "---")})"));
            sb.Append("))").Append(i + 1 < set.Rules.Count ? ",\n" : "\n");
        }
        return sb.Append(")\n").ToString();
    }

    public static string ToReadable(RuleSet set)
    {
        var sb = new StringBuilder();
        foreach (var rule in set.Rules)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append("rule ").Append(Quote(rule.Name)).Append(" priority ").Append(rule.Priority.ToString(CultureInfo.InvariantCulture)).Append('\n');
            for (var i = 0; i < rule.Conditions.Count; i++)
            {
                var c = rule.Conditions[i];
                sb.Append(i == 0 ? "  if  " : "  and ").Append(c.Data);
                if (c.Operation is not null) sb.Append(' ').Append(c.Operation);
                if (c.Parameter is not null && c.Parameter != "---") sb.Append(' ').Append(Quote(c.Parameter));
                sb.Append('\n');
            }
            foreach (var a in rule.Actions)
            {
                sb.Append("  do  ").Append(a.Verb);
                if (a.Parameter is not null && a.Parameter != "---") sb.Append(' ').Append(Quote(a.Parameter));
                sb.Append('\n');
            }
            sb.Append("end\n");
        }
        return sb.ToString();
    }

    /// <summary>A quoted string with the escapes of §9.1; a line break is written <c>\e</c>.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\e",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }
}
