using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// Where a request or message came from. The Router gives its relay verdict for this source; the queue stores it
/// with the envelope (the <c>Received:</c> trace, rules and later hops read it back). <see cref="Internal"/> marks
/// the server's own submissions (CLI, rules, DSNs). Non-positional, so it can grow without breaking plugins.
/// </summary>
public sealed record RequestSource
{
    /// <summary>The client's address; null for the server's own submissions.</summary>
    public IPAddress? ClientIp { get; init; }

    /// <summary>The Router's class of the client (trusted networks, authenticated, everyone else).</summary>
    public required SourceClass Class { get; init; }

    /// <summary>The account the session authenticated as (SMTP AUTH, SIP digest), or null.</summary>
    public AccountAddress? AuthenticatedAccount { get; init; }

    /// <summary>The connection was encrypted (STARTTLS or implicit TLS). The Router may require it for relaying.</summary>
    public bool Tls { get; init; }

    /// <summary>The negotiated TLS version as the <c>Received:</c> trace shows it ("TLSv1.3"), or null without TLS.</summary>
    public string? TlsProtocol { get; init; }

    /// <summary>The negotiated cipher suite by its IANA name ("TLS_AES_256_GCM_SHA384"), or null without TLS.</summary>
    public string? TlsCipher { get; init; }

    /// <summary>The server itself submitted it (CLI, rules, DSNs): no client, no relay check.</summary>
    public bool Internal { get; init; }

    /// <summary>The protocol that received it ("smtp", "esmtps", "sip", "CLI"…).</summary>
    public string Protocol { get; init; } = "";

    /// <summary>
    /// The role of the listener the client connected to (design.md "Configuration and listeners": null or "" for the
    /// plugin's main service, "Submission", "Smtps", "Odmr"…): submission ports may apply other policies than port 25.
    /// </summary>
    public string? ListenerRole { get; init; }

    /// <summary>The name the client gave in HELO/EHLO, as given.</summary>
    public string? Helo { get; init; }

    /// <summary>The client address's reverse DNS name (confirmed forward), or null when it has none or it was not looked up.</summary>
    public string? ReverseDns { get; init; }

    /// <summary>The server itself (CLI submission, rule-generated mail, DSNs).</summary>
    public static RequestSource InternalSource(string protocol) => new() { Class = SourceClass.Trusted, Internal = true, Protocol = protocol };
}
