namespace Kernel.Abstractions;

/// <summary>
/// The SMTP envelope and where the message came from. <see cref="Sender"/> is "" for the null reverse-path.
/// <see cref="EnvelopeId"/> and <see cref="Return"/> are RFC 3461's ENVID and RET.
/// </summary>
public sealed record Envelope(
    string Sender,
    IReadOnlyList<EnvelopeRecipient> Recipients,
    RequestSource Source,
    string? EnvelopeId = null,
    DsnReturn Return = DsnReturn.Default);
