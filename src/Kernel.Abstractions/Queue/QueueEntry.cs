namespace Kernel.Abstractions;

/// <summary>One queued message as an operator sees it.</summary>
public sealed record QueueEntry(
    string Id,
    string Sender,
    DateTimeOffset Created,
    long Size,
    IReadOnlyList<QueueRecipient> Recipients,
    RequestSource Source)
{
    /// <summary>
    /// The envelope as submitted, with its SMTP parameters (BODY, SMTPUTF8, REQUIRETLS, SIZE, AUTH, ENVID, RET, ORCPT,
    /// NOTIFY) and source. Set by the kernel's queue; null only from a queue implementation that does not keep it.
    /// </summary>
    public Envelope? Envelope { get; init; }
}
