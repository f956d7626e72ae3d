namespace Kernel.Abstractions;

/// <summary>One queued message as an operator sees it.</summary>
public sealed record QueueEntry(
    string Id,
    string Sender,
    DateTimeOffset Created,
    long Size,
    IReadOnlyList<QueueRecipient> Recipients,
    RequestSource Source);
