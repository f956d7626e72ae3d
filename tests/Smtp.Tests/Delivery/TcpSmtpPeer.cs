using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Smtp.Tests.Delivery;

/// <summary>A <see cref="FakeSmtpPeer"/> behind a real TCP listener on a loopback address and a free (or given) port.</summary>
public sealed class TcpSmtpPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _sessions = [];

    /// <summary>With a certificate, STARTTLS is served (the peer must list it in its EHLO); a null one fails every handshake.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>True: STARTTLS is answered 220 but the handshake is broken off (the client must retry without TLS).</summary>
    public bool BreakTls { get; init; }

    public TcpSmtpPeer(FakeSmtpPeer peer, IPAddress address, int port = 0)
    {
        Peer = peer;
        _listener = new TcpListener(address, port);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public FakeSmtpPeer Peer { get; }

    public IPEndPoint EndPoint { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_sessions) _sessions.Add(ServeAsync(socket));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            await Peer.ServeAsync(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)), _stop.Token,
                Certificate is null && !BreakTls ? null : async () =>
                {
                    if (BreakTls) throw new IOException("handshake broken off");
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
                    await ssl.AuthenticateAsServerAsync(Certificate!);
                    return (PipeReader.Create(ssl), PipeWriter.Create(ssl));
                });
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] sessions;
        lock (_sessions) sessions = [.. _sessions];
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(5));
    }
}
