using System.IO.Pipelines;
using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// One accepted TCP connection as a protocol sees it: a duplex byte pipe, the endpoints, and TLS. Plugins never see
/// the <c>Socket</c> or the <c>SslStream</c>. The kernel closes the connection after the handler returns, when it is
/// idle for longer than the listener's idle timeout (a pending read then ends as end of stream), or on
/// <see cref="Abort"/>.
/// </summary>
public interface IConnection
{
    /// <summary>A short id unique in this server process, for log lines (<c>{ConnectionId}</c>).</summary>
    string Id { get; }

    /// <summary>The listener role that accepted it (<c>null</c> for the main service).</summary>
    string? Role { get; }

    IPEndPoint RemoteEndPoint { get; }

    IPEndPoint LocalEndPoint { get; }

    /// <summary>What the client sent. Replaced by <see cref="StartTlsAsync"/>: read it again afterwards, never cache it.</summary>
    PipeReader Input { get; }

    /// <summary>What goes to the client (flush to send). Replaced by <see cref="StartTlsAsync"/>: never cache it.</summary>
    PipeWriter Output { get; }

    /// <summary>The negotiated TLS session, or <c>null</c> while the connection is plaintext.</summary>
    ConnectionTls? Tls { get; }

    /// <summary>
    /// Upgrades the connection to TLS in place (STARTTLS, RFC 3207; IMAP STARTTLS, RFC 9051 §6.2.1). Write and flush
    /// the protocol's "ready" reply first. Plaintext the client sent after the command and that is already buffered
    /// is discarded, never read as if it came over TLS (RFC 3207 §4.2, the command-injection attack of CVE-2011-0411).
    /// Afterwards <see cref="Input"/>, <see cref="Output"/> and <see cref="Tls"/> describe the TLS session. A failed
    /// handshake throws (<see cref="IOException"/> or <c>AuthenticationException</c>); the connection is then unusable.
    /// </summary>
    /// <exception cref="InvalidOperationException">TLS is already active.</exception>
    Task StartTlsAsync(CancellationToken cancellationToken);

    /// <summary>Closes the connection at once: pending reads and writes end, nothing more is sent.</summary>
    void Abort();
}
