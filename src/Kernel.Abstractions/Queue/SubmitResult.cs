namespace Kernel.Abstractions;

/// <summary>
/// The outcome of a submission. Accepted: the message is durable (fsynced and committed) under <see cref="QueueId"/>.
/// Rejected by a server-wide rule: nothing was stored; SMTP answers <c>554 5.7.1 {RejectText}</c>.
/// </summary>
public sealed record SubmitResult(string? QueueId, string? RejectText)
{
    public bool Accepted => QueueId is not null;

    public static SubmitResult Queued(string id) => new(id, null);

    public static SubmitResult Rejected(string text) => new(null, text);
}
