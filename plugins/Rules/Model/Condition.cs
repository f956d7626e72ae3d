namespace Rules;

/// <summary>A condition as written (rules.md §11): data name, operation (null for <c>Human Generated</c>), parameter (null for none / <c>---</c>).</summary>
public sealed record Condition(string Data, string? Operation, string? Parameter, int Line = 0);
