using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Smtp.Delivery;

/// <summary>An outbound TCP connection to a remote MTA, optionally upgraded to TLS (client side of RFC 3207).</summary>
internal sealed class SocketChannel : ISmtpChannel
{
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly bool _verifyCertificates;
    private SslStream? _ssl;

    private SocketChannel(Socket socket, bool verifyCertificates)
    {
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: true);
        _verifyCertificates = verifyCertificates;
        Input = PipeReader.Create(_network, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(_network, new StreamPipeWriterOptions(leaveOpen: true));
        RemoteEndPoint = socket.RemoteEndPoint!;
    }

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    public EndPoint RemoteEndPoint { get; }

    public bool CanStartTls => _ssl is null;

    public bool IsTls => _ssl is not null;

    public bool IsTlsValidated { get; private set; }

    /// <summary>Connects within <paramref name="timeout"/> (smtp.md §11.2: 30 s); throws <see cref="SocketException"/> or <see cref="TimeoutException"/>.</summary>
    public static async Task<SocketChannel> ConnectAsync(IPEndPoint endPoint, IPAddress? localAddress, TimeSpan timeout, bool verifyCertificates, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (localAddress is not null && localAddress.AddressFamily == endPoint.AddressFamily) socket.Bind(new IPEndPoint(localAddress, 0));
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(endPoint, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no connection to {endPoint} within {timeout.TotalSeconds:0} s");
            }
            return new SocketChannel(socket, verifyCertificates);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task StartTlsAsync(string targetHost, CancellationToken cancellationToken)
    {
        if (_ssl is not null) throw new InvalidOperationException("TLS is already active");
        // The plaintext pipes go; nothing the server sent before the handshake may be read as if it came over TLS.
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = SslProtocols.None, // the system's choice: TLS 1.2 and 1.3
            // smtp.md §11.4: opportunistic TLS, the certificate is not checked unless configured; the result is kept for REQUIRETLS.
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                IsTlsValidated = errors == SslPolicyErrors.None;
                return IsTlsValidated || !_verifyCertificates;
            },
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
        _ssl = ssl;
        Input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Input.CompleteAsync();
            await Output.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Flushing into a dead connection: nothing left to say.
        }
        if (_ssl is not null) await _ssl.DisposeAsync();
        await _network.DisposeAsync();
        _socket.Dispose();
    }
}
