namespace Kernel.Abstractions;

/// <summary>
/// The SMTP envelope of a message and where it came from, stored with the queued message and handed back to the
/// transport (an ATRN/ETRN drain repeats MAIL FROM with the same parameters). Non-positional on purpose: new
/// envelope parameters become new optional properties, so the record grows without breaking plugins that build one
/// with an object initializer.
/// </summary>
public sealed record Envelope
{
    /// <summary>The reverse-path without angle brackets; "" for the null reverse-path (RFC 5321 §4.5.5).</summary>
    public required string Sender { get; init; }

    /// <summary>The forward-paths in RCPT order; at least one.</summary>
    public required IReadOnlyList<EnvelopeRecipient> Recipients { get; init; }

    /// <summary>Who submitted it; the queue routes with this source and stores it for trace and relay decisions.</summary>
    public required RequestSource Source { get; init; }

    /// <summary>RFC 3461 §4.4 ENVID, or null.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>RFC 3461 §4.3 RET.</summary>
    public DsnReturn Return { get; init; }

    /// <summary>MAIL FROM's BODY= (RFC 6152 8BITMIME, RFC 3030 BINARYMIME); a relay must not send 8-bit or binary data to a host that does not offer it.</summary>
    public MessageBodyType BodyType { get; init; }

    /// <summary>MAIL FROM's SMTPUTF8 (RFC 6531 §3.4): addresses or headers may hold UTF-8; the next hop must offer SMTPUTF8.</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>MAIL FROM's REQUIRETLS (RFC 8689 §4.1): every further hop must use validated TLS, else the message bounces.</summary>
    public bool RequireTls { get; init; }

    /// <summary>MAIL FROM's SIZE= (RFC 1870 §6), the client's estimate, relayed to the next hop; null when not given. Not the stored size.</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>
    /// MAIL FROM's AUTH= (RFC 4954 §5) as accepted from an authenticated, trusted client: the mailbox that submitted
    /// the message, passed on to the next hop; "&lt;&gt;" means the identity is unknown; null when the parameter was
    /// not given (or not trusted).
    /// </summary>
    public string? AuthSender { get; init; }
}
