using System.IO.Pipelines;
using System.Net;
using Kernel.Abstractions;

namespace Smtp.Delivery;

/// <summary>
/// A kernel connection after ATRN/TURN (RFC 2645 §5.3): we are now the client on it. The kernel owns the connection
/// (its TLS, its closing), so this channel never starts TLS and disposing it leaves the connection to its handler.
/// </summary>
internal sealed class TurnedConnectionChannel(IConnection connection) : ISmtpChannel
{
    public PipeReader Input => connection.Input;

    public PipeWriter Output => connection.Output;

    public EndPoint RemoteEndPoint => connection.RemoteEndPoint;

    public bool CanStartTls => false;

    public bool IsTls => connection.Tls is not null;

    public bool IsTlsValidated => false;

    public Task StartTlsAsync(string targetHost, CancellationToken cancellationToken) =>
        throw new NotSupportedException("a turned-round connection keeps the TLS state it had");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
