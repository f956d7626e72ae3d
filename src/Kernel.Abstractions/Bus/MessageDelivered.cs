namespace Kernel.Abstractions;

/// <summary>One recipient of a queued message reached its destination: a mailbox (<see cref="Mailbox"/> set) or a remote host.</summary>
public sealed record MessageDelivered(string QueueId, string Recipient, AccountAddress? Account, string? Mailbox, uint? Uid) : KernelEvent;
