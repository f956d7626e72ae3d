namespace Kernel.Abstractions;

/// <summary>RFC 3464 §2.3 per-recipient fields.</summary>
public sealed record DsnRecipientStatus(
    string Recipient,
    string? OriginalRecipient,
    DsnAction Action,
    string Status,
    string? RemoteMta = null,
    string? DiagnosticCode = null);
