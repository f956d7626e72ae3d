namespace Router;

/// <summary>A parse: the compiled table when there were no errors, else every <c>line N: reason</c>.</summary>
internal sealed record TableParseResult(RouterTable? Table, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    public bool Ok => Table is not null;
}
