using System.IO.Pipelines;
using System.Net;

namespace Smtp.Delivery;

/// <summary>
/// The duplex byte pipe a client session talks over: an outbound TCP connection of our own (<see cref="SocketChannel"/>)
/// or a kernel connection turned round after ATRN/TURN (<see cref="TurnedConnectionChannel"/>). Read <see cref="Input"/>
/// and <see cref="Output"/> again after <see cref="StartTlsAsync"/>: they are replaced.
/// </summary>
internal interface ISmtpChannel : IAsyncDisposable
{
    PipeReader Input { get; }

    PipeWriter Output { get; }

    /// <summary>Where we are connected to, for logs and the DSN's Remote-MTA.</summary>
    EndPoint RemoteEndPoint { get; }

    /// <summary>Whether this channel can start TLS itself (a turned-round server connection cannot: it is the server's side).</summary>
    bool CanStartTls { get; }

    bool IsTls { get; }

    /// <summary>True when TLS is on and the peer's certificate chain and name were valid (REQUIRETLS, RFC 8689 §4.2).</summary>
    bool IsTlsValidated { get; }

    /// <summary>RFC 3207 §4: after the server's 220 to STARTTLS, the handshake; the old pipes are dropped.</summary>
    Task StartTlsAsync(string targetHost, CancellationToken cancellationToken);
}
