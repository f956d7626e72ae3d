namespace Rules;

/// <summary>A set of rules in stored order (rules.md §3.1 sorts by priority at evaluation, stable).</summary>
public sealed record RuleSet(IReadOnlyList<Rule> Rules)
{
    public static RuleSet Empty { get; } = new([]);
}
