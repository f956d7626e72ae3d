using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kernel.Tests.Durability;

/// <summary>A client of the SubmitProbe test plugin: <c>SUBMIT sender rcpt length</c> + bytes, one answer line each.</summary>
internal sealed class ProbeClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[1024];
    private int _start;
    private int _end;

    private ProbeClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<ProbeClient> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        try
        {
            await client.ConnectAsync(endPoint, cancellationToken);
            return new ProbeClient(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends one message and returns the answer line (<c>OK id</c> or <c>ERR text</c>); null when the server closed.</summary>
    public async Task<string?> SubmitAsync(string sender, string recipient, byte[] message, CancellationToken cancellationToken)
    {
        var request = Encoding.ASCII.GetBytes($"SUBMIT {sender} {recipient} {message.Length}\r\n");
        await _stream.WriteAsync(request, cancellationToken);
        await _stream.WriteAsync(message, cancellationToken);
        return await ReadLineAsync(cancellationToken);
    }

    /// <summary>Sends raw bytes (malformed requests) and returns the answer line, null when the server closed.</summary>
    public async Task<string?> SendRawAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        return await ReadLineAsync(cancellationToken);
    }

    /// <summary>Sends bytes, closes the sending half (the client is done) and returns the answer line, null when there was none.</summary>
    public async Task<string?> SendAndCloseAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        _client.Client.Shutdown(SocketShutdown.Send);
        return await ReadLineAsync(cancellationToken);
    }

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, cancellationToken);
                if (_end == 0) return line.Length == 0 ? null : line.ToString();
            }
            var b = _buffer[_start++];
            if (b == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)b);
            if (line.Length > 4096) throw new InvalidDataException("answer line too long");
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
