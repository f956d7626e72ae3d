namespace Kernel.Abstractions;

/// <summary>
/// The TLS session of a connection, as a protocol reports it (a <c>Received:</c> header's <c>with ESMTPS</c> clause,
/// a relay verdict that requires TLS).
/// </summary>
public sealed record ConnectionTls
{
    /// <summary>The protocol version in OpenSSL's spelling: <c>TLSv1.2</c>, <c>TLSv1.3</c>.</summary>
    public required string Protocol { get; init; }

    /// <summary>The IANA name of the negotiated cipher suite, e.g. <c>TLS_AES_256_GCM_SHA384</c>.</summary>
    public required string CipherSuite { get; init; }

    /// <summary>The host name the client asked for with SNI (RFC 6066 §3), or <c>null</c> when it sent none.</summary>
    public string? ServerName { get; init; }
}
