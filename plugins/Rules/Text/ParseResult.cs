namespace Rules;

/// <summary>A parsed (and, through <see cref="RuleText.Parse"/>, validated) set: <see cref="Set"/> only when there are no errors.</summary>
public sealed record ParseResult(RuleSet? Set, IReadOnlyList<string> Errors)
{
    public bool Ok => Set is not null && Errors.Count == 0;

    public static ParseResult Failed(params string[] errors) => new(null, errors);
}
