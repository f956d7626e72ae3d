namespace Kernel.Abstractions;

/// <summary>A recipient's state in the queue: its target queue (when routed remote), attempts, next try and last error.</summary>
public sealed record QueueRecipient(
    string Address,
    string? OriginalRecipient,
    RecipientState State,
    string? Queue,
    int Attempts,
    DateTimeOffset? NextAttempt,
    string? LastError);
