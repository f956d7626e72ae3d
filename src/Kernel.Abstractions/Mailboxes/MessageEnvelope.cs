namespace Kernel.Abstractions;

/// <summary>
/// The RFC 3501 §7.4.2 ENVELOPE of a message. Text fields are the header values as they stand in the message
/// (unfolded; encoded words kept, as IMAP passes them through), null when the header is absent. Sender and
/// Reply-To are already the From addresses when absent or empty, as RFC 3501 requires.
/// </summary>
public sealed record MessageEnvelope
{
    public string? Date { get; init; }

    public string? Subject { get; init; }

    public IReadOnlyList<MessageAddress> From { get; init; } = [];

    public IReadOnlyList<MessageAddress> Sender { get; init; } = [];

    public IReadOnlyList<MessageAddress> ReplyTo { get; init; } = [];

    public IReadOnlyList<MessageAddress> To { get; init; } = [];

    public IReadOnlyList<MessageAddress> Cc { get; init; } = [];

    public IReadOnlyList<MessageAddress> Bcc { get; init; } = [];

    public string? InReplyTo { get; init; }

    public string? MessageId { get; init; }
}
