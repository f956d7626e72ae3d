using System.Text;

namespace Rules;

/// <summary>
/// Checks a parsed set for one scope (rules.md §5, §6, §8): known names (written back in their canonical spelling),
/// the operations each condition takes, typed parameters, where each condition and action may be used, and the
/// limits. Every problem is reported as <c>line N: rule 'name': reason</c>; any problem refuses the whole set.
/// </summary>
internal static class RuleValidator
{
    public static ParseResult Validate(RuleSet set, RuleScope scope)
    {
        var errors = new List<string>();
        if (set.Rules.Count > RuleLimits.MaxRules)
            errors.Add($"line {set.Rules[RuleLimits.MaxRules].Line}: more than {RuleLimits.MaxRules} rules in a set");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var rules = new List<Rule>();
        foreach (var rule in set.Rules)
        {
            var where = $"line {rule.Line}: rule '{rule.Name}'";
            if (rule.Name.Trim().Length == 0) errors.Add($"line {rule.Line}: a rule needs a name");
            else if (!names.Add(rule.Name.Trim())) errors.Add($"{where}: a second rule with this name (names are unique, case-insensitive)");
            if (rule.Conditions.Count > RuleLimits.MaxConditions) errors.Add($"{where}: more than {RuleLimits.MaxConditions} conditions");
            if (rule.Actions.Count > RuleLimits.MaxActions) errors.Add($"{where}: more than {RuleLimits.MaxActions} actions");
            if (rule.Actions.Count == 0) errors.Add($"{where}: a rule needs at least one action");
            var conditions = rule.Conditions.Select(c => CheckCondition(rule, c, scope, errors)).ToList();
            var actions = rule.Actions.Select(a => CheckAction(rule, a, scope, errors)).ToList();
            rules.Add(rule with { Name = rule.Name.Trim(), Conditions = conditions, Actions = actions });
        }
        if (errors.Count > 0) return new ParseResult(null, errors);
        var result = new RuleSet(rules);
        var size = Encoding.UTF8.GetByteCount(RulePrinter.ToCanonical(result));
        if (size > RuleLimits.MaxSetBytes) return ParseResult.Failed($"line 1: the set is {size} bytes in canonical form; at most {RuleLimits.MaxSetBytes}");
        return new ParseResult(result, []);
    }

    private static Condition CheckCondition(Rule rule, Condition c, RuleScope scope, List<string> errors)
    {
        var where = $"line {c.Line}: rule '{rule.Name}'";
        void Error(string reason) => errors.Add($"{where}: {reason}");
        if (Vocabulary.FindCondition(c.Data) is not { } spec)
        {
            Error(Vocabulary.UnsupportedConditions.Contains(c.Data.Trim(), StringComparer.OrdinalIgnoreCase)
                ? $"condition '{c.Data}' is not supported (not in v1)"
                : $"unknown condition '{c.Data}'");
            return c;
        }
        var parameter = c.Parameter;
        if (parameter is not null && Encoding.UTF8.GetByteCount(parameter) > RuleLimits.MaxParameterBytes)
            Error($"{spec.Name}: the parameter is longer than {RuleLimits.MaxParameterBytes} bytes");
        if (!spec.Scopes.HasFlag(scope)) Error($"condition {spec.Name} cannot be used in {Vocabulary.ScopeName(scope)} rules");
        if (spec.Kind == DataKind.HumanGenerated)
        {
            // §9.1: no operation; at most "---" after the name.
            if (c.Operation is not null || parameter is not null && parameter != "---") Error($"{spec.Name} takes no operation or parameter");
            return c with { Data = spec.Name, Operation = null, Parameter = null };
        }
        var op = c.Operation is null ? null : Vocabulary.FindOperation(c.Operation);
        if (op is null || !spec.Operations.Contains(op))
        {
            Error($"{spec.Name}: operation '{c.Operation ?? ""}' is not one of {string.Join(", ", spec.Operations)}");
            return c with { Data = spec.Name };
        }
        if (parameter is null || parameter == "---")
        {
            Error($"{spec.Name} {op}: a parameter is needed");
            return c with { Data = spec.Name, Operation = op };
        }
        var list = op is Vocabulary.In or Vocabulary.NotIn;
        var items = list ? ParameterSyntax.SplitList(parameter) : [parameter];
        switch (spec.Kind)
        {
            case DataKind.MessageSize when ParameterSyntax.ParseSize(parameter) is null:
                Error($"Message Size: '{parameter}' is not a byte count (digits with an optional K, M or G)");
                break;
            case DataKind.TimeOfDay when ParameterSyntax.ParseTimeOfDay(parameter) is null:
                Error($"Time Of Day: '{parameter}' is not HH:MM[:SS]");
                break;
            case DataKind.CurrentDate when ParameterSyntax.ParseDate(parameter) is null:
                Error($"Current Date: '{parameter}' is not YYYY-MM-DD or DD Mon YYYY");
                break;
            case DataKind.CurrentDay when items.FirstOrDefault(i => ParameterSyntax.ParseWeekday(i) is null) is { } bad:
                Error($"Current Day: '{bad}' is not a weekday (Mon … Sun)");
                break;
            case DataKind.Source when items.FirstOrDefault(i => !new[] { "authenticated", "client", "internal", "remote" }.Contains(i, StringComparer.OrdinalIgnoreCase)) is { } bad:
                Error($"Source: '{bad}' is not one of authenticated, client, internal, remote");
                break;
            case DataKind.Security when items.FirstOrDefault(i => !i.Equals("TLS", StringComparison.OrdinalIgnoreCase) && !i.Equals("none", StringComparison.OrdinalIgnoreCase)) is { } bad:
                Error($"Security: '{bad}' is not TLS or none");
                break;
            case DataKind.HeaderField or DataKind.Preference when ParameterSyntax.SplitField(parameter) is null:
                Error($"{spec.Name}: the parameter is 'Name: picture'");
                break;
            case DataKind.ExistingMailbox when parameter.Trim().Length == 0:
                Error("Existing Mailbox: a mailbox name is needed");
                break;
        }
        // §4: "#Name" is the account's remembered address list — account scope only.
        if (list && scope != RuleScope.Account && items.FirstOrDefault(i => i.StartsWith('#')) is { } stored)
            Error($"{spec.Name} {op}: '{stored}' names an account's address list; only account rules may use it");
        return c with { Data = spec.Name, Operation = op };
    }

    private static RuleAction CheckAction(Rule rule, RuleAction a, RuleScope scope, List<string> errors)
    {
        var where = $"line {a.Line}: rule '{rule.Name}'";
        void Error(string reason) => errors.Add($"{where}: {reason}");
        if (Vocabulary.FindAction(a.Verb) is not { } spec)
        {
            Error(Vocabulary.UnsupportedActions.Contains(a.Verb.Trim(), StringComparer.OrdinalIgnoreCase)
                ? $"action '{a.Verb}' is not supported (not in v1)"
                : $"unknown action '{a.Verb}'");
            return a;
        }
        if (!spec.Scopes.HasFlag(scope)) Error($"action {spec.Name} cannot be used in {Vocabulary.ScopeName(scope)} rules");
        var parameter = a.Parameter == "---" ? null : a.Parameter;
        if (!spec.TakesParameter)
        {
            if (parameter is not null && parameter.Trim().Length > 0) Error($"{spec.Name} takes no parameter");
            return a with { Verb = spec.Name, Parameter = null };
        }
        if (parameter is null || parameter.Trim().Length == 0)
        {
            Error($"{spec.Name}: a parameter is needed");
            return a with { Verb = spec.Name };
        }
        if (Encoding.UTF8.GetByteCount(parameter) > RuleLimits.MaxParameterBytes)
            Error($"{spec.Name}: the parameter is longer than {RuleLimits.MaxParameterBytes} bytes");
        switch (spec.Kind)
        {
            case ActionKind.MirrorTo or ActionKind.RedirectTo or ActionKind.ForwardTo:
                var addresses = ParameterSyntax.AddressList(parameter);
                if (addresses.Length == 0) Error($"{spec.Name}: no address");
                if (addresses.Length > RuleLimits.MaxAddresses) Error($"{spec.Name}: {addresses.Length} addresses; at most {RuleLimits.MaxAddresses}");
                if (addresses.FirstOrDefault(x => !ParameterSyntax.IsAddress(x)) is { } notAddress) Error($"{spec.Name}: '{notAddress}' is not an address (name@domain)");
                break;
            case ActionKind.Mark when ParameterSyntax.SplitList(parameter).FirstOrDefault(f => !ParameterSyntax.IsFlag(f)) is { } bad:
                Error($"Mark: '{bad}' is not a flag (Seen, Flagged, Answered, Deleted, Draft or a keyword)");
                break;
            case ActionKind.AddHeader when parameter.Split('\n').FirstOrDefault(l => ParameterSyntax.SplitField(l) is null) is { } bad:
                Error($"Add Header: '{bad}' is not 'Name: value'");
                break;
            case ActionKind.StoreIn when parameter.Any(char.IsControl):
                Error($"Store in: '{parameter}' is not a mailbox name");
                break;
            case ActionKind.RememberFrom when parameter.Any(c => char.IsWhiteSpace(c) || c is ',' or '#'):
                Error($"Remember 'From' in: '{parameter}' is not a list name (no blanks, commas or '#')");
                break;
        }
        return a with { Verb = spec.Name, Parameter = parameter };
    }
}
