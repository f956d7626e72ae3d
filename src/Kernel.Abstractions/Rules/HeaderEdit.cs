namespace Kernel.Abstractions;

/// <summary>Add a header field, or remove every field of a name (value null).</summary>
public sealed record HeaderEdit(string Name, string? Value);
