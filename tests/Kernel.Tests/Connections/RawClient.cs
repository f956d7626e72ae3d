using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Kernel.Tests.Connections;

/// <summary>A raw TCP client for connection-host tests: binds a chosen 127.x source address, reads lines, tells a clean close from a reset.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    public Stream Stream => _stream;

    public static async Task<RawClient> ConnectAsync(IPEndPoint server, string source = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(server, timeout.Token);
        return new RawClient(socket);
    }

    public async Task SendAsync(string text)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        await _stream.FlushAsync();
    }

    /// <summary>The next line (without CRLF), or null at end of stream; throws on a reset or after the bound.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[1];
        while (true)
        {
            var newline = _pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_pending.GetRange(0, newline).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, newline + 1);
                return line;
            }
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) return _pending.Count == 0 ? null : Flush();
            _pending.Add(buffer[0]);
        }
    }

    /// <summary>Everything until the server closes, as text; a reset throws (<see cref="IOException"/>).</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        using var all = new MemoryStream();
        all.Write(_pending.ToArray());
        _pending.Clear();
        await _stream.CopyToAsync(all, timeout.Token);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    /// <summary>TLS over this connection (STARTTLS after the server's go-ahead), trusting any certificate.</summary>
    public async Task<SslStream> StartTlsAsync(string? serverName)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? "",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, timeout.Token);
        _stream = ssl;
        return ssl;
    }

    private string Flush()
    {
        var text = Encoding.ASCII.GetString(_pending.ToArray()).TrimEnd('\r');
        _pending.Clear();
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
