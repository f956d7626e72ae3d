namespace Kernel.Abstractions;

/// <summary>One forward-path with RFC 3461's ORCPT and NOTIFY. Non-positional, so RCPT TO parameters can be added later without breaking plugins.</summary>
public sealed record EnvelopeRecipient
{
    /// <summary>The address as given in RCPT TO, without angle brackets.</summary>
    public required string Address { get; init; }

    /// <summary>RFC 3461 §4.2 ORCPT (<c>rfc822;addr</c>), or null.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>RFC 3461 §4.1 NOTIFY.</summary>
    public DsnNotify Notify { get; init; }
}
