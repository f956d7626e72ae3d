namespace Kernel.Abstractions;

/// <summary>
/// The outcome of a submission. <see cref="Code"/> is the RFC 3463 enhanced status a protocol puts in its reply, so
/// SMTP answers <c>250 2.0.0</c>, <c>554 5.7.1 {Text}</c> (a server-wide rule), <c>552 5.3.4</c> (too big) or
/// <c>451 4.3.0</c>/<c>452 4.3.1</c> (storage), <c>421 4.3.2</c> (shutting down) from the result alone. Non-positional,
/// so it can grow without breaking plugins.
/// </summary>
public sealed record SubmitResult
{
    public required SubmitStatus Status { get; init; }

    /// <summary>The queue id ("queued as &lt;id&gt;") when accepted; null otherwise.</summary>
    public string? QueueId { get; init; }

    /// <summary>RFC 3463 enhanced status code: "2.0.0" when accepted, else the class-4 or class-5 reason ("5.7.1", "4.3.1").</summary>
    public required string Code { get; init; }

    /// <summary>Human-readable text for the reply (a rule's reject text is passed through as the rule gave it).</summary>
    public string Text { get; init; } = "";

    /// <summary>True when the message is durable under <see cref="QueueId"/>.</summary>
    public bool Accepted => Status == SubmitStatus.Accepted;

    public static SubmitResult Queued(string queueId) =>
        new() { Status = SubmitStatus.Accepted, QueueId = queueId, Code = "2.0.0", Text = $"queued as {queueId}" };

    /// <summary>A class-5 refusal (<paramref name="code"/> starts with "5.").</summary>
    public static SubmitResult Permanent(string code, string text) => new() { Status = SubmitStatus.RejectedPermanently, Code = code, Text = text };

    /// <summary>A class-4 refusal (<paramref name="code"/> starts with "4.").</summary>
    public static SubmitResult Temporary(string code, string text) => new() { Status = SubmitStatus.RejectedTemporarily, Code = code, Text = text };
}
