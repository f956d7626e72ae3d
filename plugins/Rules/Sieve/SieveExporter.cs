using System.Globalization;
using System.Text;

namespace Rules;

/// <summary>
/// Writes a set as a Sieve script (RFC 5228) by the table of rules.md §10.1: one <c>if</c> per rule in priority
/// order, conditions under <c>allof</c>. What does not line up (§10.2) becomes a comment and a problem line; kernel
/// conditions without a standard test become <c>vnd.kernel.condition</c> so our own import reads them back.
/// </summary>
public static class SieveExporter
{
    public static SieveExport Export(RuleSet set, RuleScope scope)
    {
        var problems = new List<string>();
        var requires = new List<string>(); // in order of first use, as the spec's example shows
        var body = new StringBuilder();
        var ordered = set.Rules.Where(r => r.Priority > Rule.Inactive).OrderByDescending(r => r.Priority).ToList();
        foreach (var rule in ordered)
        {
            body.Append("# rule ").Append(SieveString(rule.Name)).Append(" priority ").Append(rule.Priority.ToString(CultureInfo.InvariantCulture)).Append('\n');
            var tests = new List<string>();
            foreach (var c in rule.Conditions)
            {
                if (Test(c, scope, requires) is { } test) tests.Add(test);
                else
                {
                    problems.Add($"rule '{rule.Name}': condition {c.Data} {c.Operation} does not line up with a Sieve test");
                    tests.Add($"false /* {c.Data} {c.Operation} {c.Parameter} */");
                }
            }
            var condition = tests.Count switch { 0 => "true", 1 => tests[0], _ => "allof (" + string.Join(",\n          ", tests) + ")" };
            body.Append("if ").Append(condition).Append(" {\n");
            var stop = false;
            // RFC 5232: addflag changes the flags of the copies stored after it, so the marks go first.
            foreach (var a in rule.Actions.Where(a => Vocabulary.FindAction(a.Verb)?.Kind == ActionKind.Mark))
            {
                requires.Add("imap4flags");
                body.Append("  addflag ").Append(StringList(ParameterSyntax.SplitList(a.Parameter ?? "").Select(Flag))).Append(";\n");
            }
            foreach (var a in rule.Actions)
            {
                var kind = Vocabulary.FindAction(a.Verb)!.Kind;
                var p = a.Parameter ?? "";
                switch (kind)
                {
                    case ActionKind.Mark:
                        break;
                    case ActionKind.StoreIn:
                        requires.Add("fileinto");
                        if (scope == RuleScope.Server) requires.Add("copy");
                        body.Append(scope == RuleScope.Server ? "  fileinto :copy " : "  fileinto ").Append(SieveString(p)).Append(";\n");
                        break;
                    case ActionKind.MirrorTo:
                        requires.Add("copy");
                        foreach (var address in ParameterSyntax.AddressList(p)) body.Append("  redirect :copy ").Append(SieveString(address)).Append(";\n");
                        break;
                    case ActionKind.Discard:
                        body.Append("  discard;\n");
                        break;
                    case ActionKind.StopProcessing:
                        stop = true;
                        break;
                    case ActionKind.RejectWith:
                        var verb = scope == RuleScope.Server ? "ereject" : "reject";
                        requires.Add(verb);
                        body.Append("  ").Append(verb).Append(' ').Append(SieveString(p)).Append(";\n");
                        stop = true;
                        break;
                    case ActionKind.AddHeader:
                        requires.Add("editheader");
                        foreach (var line in p.Split('\n'))
                        {
                            if (ParameterSyntax.SplitField(line) is { } field)
                                body.Append("  addheader ").Append(SieveString(field.Name)).Append(' ').Append(SieveString(field.Value)).Append(";\n");
                        }
                        break;
                    default:
                        problems.Add($"rule '{rule.Name}': action {a.Verb} has no exact Sieve form (exported as a comment)");
                        body.Append("  # not exported: ").Append(a.Verb).Append(' ').Append(RulePrinter.Quote(p).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
                        break;
                }
            }
            if (stop) body.Append("  stop;\n");
            body.Append("}\n");
        }
        var head = requires.Count == 0 ? "" : "require " + StringList(requires.Distinct(StringComparer.Ordinal)) + ";\n";
        return new SieveExport(head + body, problems);
    }

    private static string? Test(Condition c, RuleScope scope, List<string> requires)
    {
        var spec = Vocabulary.FindCondition(c.Data)!;
        var op = c.Operation;
        var negative = op is Vocabulary.IsNot or Vocabulary.NotIn;
        var keys = op is Vocabulary.In or Vocabulary.NotIn ? ParameterSyntax.SplitList(c.Parameter ?? "") : [c.Parameter ?? ""];
        string Not(string test) => negative ? "not " + test : test;
        switch (spec.Kind)
        {
            case DataKind.FirstAddress or DataKind.AllAddresses:
                return Not($"address :all :matches {SieveString(spec.Name.ToLowerInvariant())} {Pictures(keys)}");
            case DataKind.AnyToCc when !negative:
                return $"address :all :matches [\"to\", \"cc\"] {Pictures(keys)}";
            case DataKind.ReturnPath:
                requires.Add("envelope");
                return Not($"envelope :all :matches \"from\" {Pictures(keys)}");
            case DataKind.AnyRecipient or DataKind.EachRecipient when scope != RuleScope.Server:
                // §10.2: at delivery there is one recipient, so Any and Each are a plain envelope test.
                requires.Add("envelope");
                return Not($"envelope :all :matches \"to\" {Pictures(keys)}");
            case DataKind.DecodedHeader:
                return Not($"header :matches {SieveString(spec.Name.ToLowerInvariant())} {Pictures(keys)}");
            case DataKind.HeaderField when ParameterSyntax.SplitField(c.Parameter ?? "") is { } field:
                var fieldKeys = op is Vocabulary.In or Vocabulary.NotIn ? ParameterSyntax.SplitList(field.Value) : [field.Value];
                return Not($"header :matches {SieveString(field.Name)} {Pictures(fieldKeys)}");
            case DataKind.MessageSize:
                return $"size {(op == Vocabulary.GreaterThan ? ":over" : ":under")} {c.Parameter!.Trim().Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()}"; // RFC 5228 §2.4.1: K, M, G suffixes as ours
            case DataKind.ExistingMailbox:
                requires.Add("mailbox");
                return Not($"mailboxexists {SieveString(c.Parameter!)}");
            case DataKind.CurrentDate or DataKind.TimeOfDay:
                requires.Add("date");
                var part = spec.Kind == DataKind.CurrentDate ? "date" : "time";
                var value = spec.Kind == DataKind.CurrentDate
                    ? ParameterSyntax.ParseDate(c.Parameter!)!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                    : ParameterSyntax.ParseTimeOfDay(c.Parameter!)!.Value.ToString("hh\\:mm\\:ss", CultureInfo.InvariantCulture);
                if (op == Vocabulary.Is) return $"currentdate :is \"{part}\" \"{value}\"";
                requires.Add("relational");
                return $"currentdate :value \"{(op == Vocabulary.GreaterThan ? "gt" : "lt")}\" \"{part}\" \"{value}\"";
            case DataKind.CurrentDay:
                requires.Add("date");
                // RFC 5260 §4.2: weekday is "0" (Sunday) … "6".
                return Not($"currentdate :is \"weekday\" {StringList(keys.Select(k => ((int)ParameterSyntax.ParseWeekday(k)!.Value).ToString(CultureInfo.InvariantCulture)))}");
            case DataKind.HumanGenerated or DataKind.Source or DataKind.SubmitAddress or DataKind.Security or DataKind.Preference or DataKind.FromName:
                // §10.2: no standard test; our own extension, imported only from our export.
                requires.Add("vnd.kernel");
                return op is null
                    ? $"vnd.kernel.condition {SieveString(spec.Name)}"
                    : $"vnd.kernel.condition {SieveString(spec.Name)} {SieveString(op)} {SieveString(c.Parameter ?? "")}";
            default:
                return null;
        }
    }

    /// <summary>§10.1: a picture as a <c>:matches</c> key: <c>*</c> keeps its meaning, a literal <c>?</c> or <c>\</c> is escaped.</summary>
    private static string Pictures(IEnumerable<string> pictures) =>
        StringList(pictures.Select(p => p.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal)));

    private static string Flag(string flag) =>
        ParameterSyntax.SystemFlags.FirstOrDefault(f => f.Equals(flag.TrimStart('\\'), StringComparison.OrdinalIgnoreCase)) is { } system ? "\\" + system : flag;

    private static string StringList(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 1 ? SieveString(list[0]) : "[" + string.Join(", ", list.Select(SieveString)) + "]";
    }

    /// <summary>RFC 5228 §2.4.2: a quoted string; <c>"</c> and <c>\</c> are escaped with a backslash.</summary>
    internal static string SieveString(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
