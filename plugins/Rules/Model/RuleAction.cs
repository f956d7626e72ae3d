namespace Rules;

/// <summary>An action as written (rules.md §11): the verb and its parameter (null for none / <c>---</c>).</summary>
public sealed record RuleAction(string Verb, string? Parameter, int Line = 0);
