namespace Rules;

/// <summary>
/// rules.md §7: what a user may save, by the account setting <c>RulesAllowed</c> (<c>No</c>, <c>Filter Only</c>,
/// <c>All But Exec</c>, <c>Any</c>). Rules an administrator put in place (unchanged from the stored set) are not the
/// user's to answer for; <c>#Vacation</c> is always allowed, <c>#Redirect</c> needs All But Exec.
/// </summary>
public static class RulePermissions
{
    public const string Setting = "RulesAllowed";

    public static ActionClass? ParseLevel(string? text) => text?.Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal) switch
    {
        null or "" or "any" => ActionClass.Any,
        "no" => ActionClass.No,
        "filteronly" or "filter" => ActionClass.Filter,
        "allbutexec" => ActionClass.AllButExec,
        _ => null,
    };

    public static IReadOnlyList<string> Check(RuleSet proposed, RuleSet current, ActionClass level)
    {
        var errors = new List<string>();
        var unchanged = current.Rules.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in proposed.Rules)
        {
            if (unchanged.Contains(Key(rule))) continue;
            if (rule.Name.Equals("#Vacation", StringComparison.OrdinalIgnoreCase)) continue; // the vacation form is always available
            var needed = rule.Name.Equals("#Redirect", StringComparison.OrdinalIgnoreCase) ? ActionClass.AllButExec : ActionClass.Filter;
            if (level < needed)
            {
                errors.Add(level == ActionClass.No
                    ? $"line {rule.Line}: rule '{rule.Name}': this account may not change its rules (RulesAllowed is No)"
                    : $"line {rule.Line}: rule '{rule.Name}': needs RulesAllowed {Name(needed)}, the account has {Name(level)}");
                continue;
            }
            foreach (var action in rule.Actions)
            {
                if (Vocabulary.FindAction(action.Verb) is { } spec && spec.Class > level)
                    errors.Add($"line {action.Line}: rule '{rule.Name}': action {spec.Name} needs RulesAllowed {Name(spec.Class)}, the account has {Name(level)}");
            }
        }
        return errors;
    }

    public static string Name(ActionClass level) => level switch
    {
        ActionClass.No => "No",
        ActionClass.Filter => "Filter Only",
        ActionClass.AllButExec => "All But Exec",
        _ => "Any",
    };

    private static string Key(Rule rule) => RulePrinter.ToCanonical(new RuleSet([rule with { Line = 0, Conditions = rule.Conditions.Select(c => c with { Line = 0 }).ToList(), Actions = rule.Actions.Select(a => a with { Line = 0 }).ToList() }]));
}
