namespace Kernel.Abstractions;

/// <summary>
/// A stored message parsed once (<see cref="IMailboxView.GetStructureAsync"/>): its ENVELOPE, its MIME tree and the
/// byte offsets an IMAP server needs to answer ENVELOPE, BODYSTRUCTURE, BODY[HEADER], BODY[TEXT], BODY[n.HEADER],
/// BODY[n.MIME] and BODY[n] by byte ranges, without loading the body. Also used for an embedded message/rfc822,
/// whose offsets are absolute in the outer message. Non-positional so it can grow.
/// </summary>
public sealed record MessageStructure
{
    /// <summary>Where this message starts (0 for the stored message itself).</summary>
    public long Offset { get; init; }

    /// <summary>Length of the message header, including the blank line that ends it (BODY[HEADER]); BODY[TEXT] follows it.</summary>
    public long HeaderLength { get; init; }

    /// <summary>Length of the whole message.</summary>
    public long Size { get; init; }

    public required MessageEnvelope Envelope { get; init; }

    /// <summary>The top MIME part: for a single-part message the message itself (its header is the message header).</summary>
    public required MessagePartStructure Body { get; init; }
}
