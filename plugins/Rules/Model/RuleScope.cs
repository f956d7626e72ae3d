namespace Rules;

/// <summary>Where a set lives and runs (rules.md §1).</summary>
[Flags]
public enum RuleScope
{
    None = 0,
    Server = 1,
    Domain = 2,
    Account = 4,
    Delivery = Domain | Account,
    All = Server | Domain | Account,
}
