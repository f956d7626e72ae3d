namespace Kernel.Abstractions;

/// <summary>
/// One MIME part of a stored message: what BODYSTRUCTURE reports and where its bytes are. Offsets are absolute in
/// the stored message, so BODY[n.MIME] is <see cref="HeaderOffset"/>/<see cref="HeaderLength"/> (the blank line
/// included) and BODY[n] is <see cref="BodyOffset"/>/<see cref="BodyLength"/> (the CRLF before a boundary belongs to
/// the boundary, RFC 2046 §5.1.1), read with <see cref="IMailboxView.OpenRangeAsync"/>. Values are as the message
/// states them, with the RFC 2045 defaults filled in (text/plain; charset=us-ascii, 7BIT). Non-positional so it can grow.
/// </summary>
public sealed record MessagePartStructure
{
    /// <summary>Media type (<c>text</c>, <c>multipart</c>, <c>message</c>…).</summary>
    public required string Type { get; init; }

    public required string Subtype { get; init; }

    /// <summary>Content-Type parameters in header order (for a multipart, the boundary among them).</summary>
    public IReadOnlyList<MessageParameter> Parameters { get; init; } = [];

    /// <summary>Content-ID, or null.</summary>
    public string? Id { get; init; }

    /// <summary>Content-Description, or null.</summary>
    public string? Description { get; init; }

    /// <summary>Content-Transfer-Encoding (<c>7BIT</c> when absent).</summary>
    public string TransferEncoding { get; init; } = "7BIT";

    /// <summary>Body size in bytes as stored (encoded) — BODYSTRUCTURE's size.</summary>
    public long Size { get; init; }

    /// <summary>Lines of the encoded body, for text/* and message/rfc822 parts; null otherwise.</summary>
    public long? Lines { get; init; }

    /// <summary>Content-MD5, or null.</summary>
    public string? Md5 { get; init; }

    /// <summary>Content-Disposition type (<c>inline</c>, <c>attachment</c>), or null.</summary>
    public string? Disposition { get; init; }

    public IReadOnlyList<MessageParameter> DispositionParameters { get; init; } = [];

    /// <summary>Content-Language tags, empty when absent.</summary>
    public IReadOnlyList<string> Language { get; init; } = [];

    /// <summary>Content-Location, or null.</summary>
    public string? Location { get; init; }

    /// <summary>Where the part's MIME header starts (for the message's top part: 0, the message header).</summary>
    public long HeaderOffset { get; init; }

    /// <summary>Length of the part's header, including the blank line that ends it.</summary>
    public long HeaderLength { get; init; }

    /// <summary>Where the part's body starts.</summary>
    public long BodyOffset { get; init; }

    /// <summary>Length of the part's body (equals <see cref="Size"/>).</summary>
    public long BodyLength { get; init; }

    /// <summary>The parts of a multipart, in order; empty otherwise.</summary>
    public IReadOnlyList<MessagePartStructure> Children { get; init; } = [];

    /// <summary>For message/rfc822 (and message/global): the embedded message; null otherwise.</summary>
    public MessageStructure? Embedded { get; init; }
}
