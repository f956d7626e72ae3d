namespace Rules;

/// <summary>One rule (rules.md §2): name, priority 0 (Inactive) … 10 (Highest), conditions joined by AND, actions in order.</summary>
public sealed record Rule(string Name, int Priority, IReadOnlyList<Condition> Conditions, IReadOnlyList<RuleAction> Actions, int Line = 0)
{
    public const int Inactive = 0;
    public const int Highest = 10;
}
