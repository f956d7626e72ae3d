namespace Rules;

/// <summary>A Sieve script made from a set, and the parts that could only be written as comments (rules.md §10.2).</summary>
public sealed record SieveExport(string Script, IReadOnlyList<string> Problems);
