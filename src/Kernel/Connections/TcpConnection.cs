using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Kernel.Abstractions;
using Kernel.Tls;

namespace Kernel.Connections;

/// <summary>
/// One accepted connection: socket → <see cref="ActivityStream"/> → (<see cref="SslStream"/> once TLS starts) →
/// a pipe reader and writer over the top stream. The pipes leave the streams open, so STARTTLS can drop the plaintext
/// pipes (and what they buffered) and put new ones over the TLS stream.
/// </summary>
internal sealed class TcpConnection : IConnection
{
    /// <summary>
    /// Small segments keep an idle connection cheap; zero-byte reads mean a connection waiting for its client holds no
    /// read buffer at all.
    /// </summary>
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);

    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 4096, leaveOpen: true);

    /// <summary>The bound on a TLS handshake (a client that connects and says nothing must not hold a slot forever).</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly ActivityStream _transport;
    private readonly ServerCertificates _certificates;
    private SslStream? _ssl;
    private PipeReader _input;
    private PipeWriter _output;
    private int _closing;
    private volatile bool _aborted;

    public TcpConnection(string id, string? role, Socket socket, ServerCertificates certificates)
    {
        Id = id;
        Role = role;
        _socket = socket;
        _certificates = certificates;
        RemoteEndPoint = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        LocalEndPoint = Normalize((IPEndPoint)socket.LocalEndPoint!);
        _transport = new ActivityStream(new NetworkStream(socket, ownsSocket: false));
        _input = PipeReader.Create(_transport, ReaderOptions);
        _output = PipeWriter.Create(_transport, WriterOptions);
    }

    public string Id { get; }

    public string? Role { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    public PipeReader Input => Volatile.Read(ref _input);

    public PipeWriter Output => Volatile.Read(ref _output);

    public ConnectionTls? Tls { get; private set; }

    public long LastActivity => _transport.LastActivity;

    /// <summary>True once the kernel closes it (idle, abort, drain): the handler's failures are then expected.</summary>
    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    public async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        if (_ssl is not null) throw new InvalidOperationException("TLS is already active on this connection");
        await _output.FlushAsync(cancellationToken);
        // RFC 3207 §4.2: whatever plaintext the client pipelined after STARTTLS and the reader already buffered is
        // dropped with the plaintext pipe; it is never handed to the protocol as if it had come over TLS.
        await _input.CompleteAsync();
        await _output.CompleteAsync();
        await AuthenticateAsync(cancellationToken);
    }

    /// <summary>The server side of the TLS handshake (implicit TLS at accept, or STARTTLS), with the certificate chosen by SNI.</summary>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        var ssl = new SslStream(_transport, leaveInnerStreamOpen: true);
        try
        {
            await ssl.AuthenticateAsServerAsync(_certificates.SelectAsync, null, timeout.Token);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
        _ssl = ssl;
        Tls = new ConnectionTls
        {
            Protocol = ProtocolName(ssl.SslProtocol),
            CipherSuite = ssl.NegotiatedCipherSuite.ToString(),
            ServerName = string.IsNullOrEmpty(ssl.TargetHostName) ? null : ssl.TargetHostName,
        };
        Volatile.Write(ref _input, PipeReader.Create(ssl, ReaderOptions));
        Volatile.Write(ref _output, PipeWriter.Create(ssl, WriterOptions));
    }

    public void Abort()
    {
        Interlocked.Exchange(ref _closing, 1);
        _aborted = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }

    /// <summary>
    /// Idle timeout: writes the protocol's reply straight to the stream (bounded), then shuts the socket down both
    /// ways, so the handler's pending read ends as end of stream and the handler returns.
    /// </summary>
    public async Task CloseIdleAsync(ReadOnlyMemory<byte> reply)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        try
        {
            if (!reply.IsEmpty)
            {
                using var timeout = new CancellationTokenSource(GracefulClose.Linger);
                Stream stream = (Stream?)_ssl ?? _transport;
                await stream.WriteAsync(reply, timeout.Token);
                await stream.FlushAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or NotSupportedException or InvalidOperationException)
        {
            // The handler was writing at that moment, or the client is gone: close without the reply.
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>After the handler: send what it left buffered, say TLS close_notify, half-close and linger, release everything.</summary>
    public async Task CloseAsync()
    {
        Interlocked.Exchange(ref _closing, 1);
        var aborted = _aborted;
        try
        {
            if (!aborted)
            {
                using var timeout = new CancellationTokenSource(GracefulClose.Linger);
                await Output.FlushAsync(timeout.Token);
                if (_ssl is not null) await _ssl.ShutdownAsync().WaitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or NotSupportedException)
        {
        }
        await Complete(Output);
        await Complete(Input);
        if (!aborted) await GracefulClose.LingerAsync(_socket);
        try
        {
            if (_ssl is not null) await _ssl.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
        await _transport.DisposeAsync();
        _socket.Dispose();
    }

    private static async ValueTask Complete(PipeWriter writer)
    {
        try
        {
            await writer.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or NotSupportedException)
        {
        }
    }

    private static async ValueTask Complete(PipeReader reader)
    {
        try
        {
            await reader.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 are named only to report what a legacy client negotiated
    private static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        SslProtocols.Tls11 => "TLSv1.1",
        SslProtocols.Tls => "TLSv1",
        _ => protocol.ToString(),
    };
#pragma warning restore SYSLIB0039
}
