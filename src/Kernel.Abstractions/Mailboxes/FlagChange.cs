namespace Kernel.Abstractions;

/// <summary>A STORE: add, remove or replace system flags and keywords.</summary>
public sealed record FlagChange(FlagChangeMode Mode, MessageFlags Flags, IReadOnlyList<string> Keywords);
