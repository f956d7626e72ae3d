namespace Kernel.Abstractions;

/// <summary>What a rule sees: the envelope, the header fields (name, unfolded raw value) in order, the size and the body.</summary>
public sealed record RuleInput(
    Envelope Envelope,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    long Size,
    MessageBody Body);
