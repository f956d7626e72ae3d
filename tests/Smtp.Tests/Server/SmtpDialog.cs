using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Smtp.Tests.Server;

/// <summary>A raw SMTP client for what no library sends (bad input, relay attempts): reads whole replies, every read bounded.</summary>
internal sealed class SmtpDialog : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly StringBuilder _pending = new();

    private SmtpDialog(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The greeting that opened the session.</summary>
    public string Greeting { get; private set; } = "";

    /// <summary>Connects, from <paramref name="from"/> when given (another 127.0.0.0/8 address: an untrusted client), and reads the greeting.</summary>
    public static async Task<SmtpDialog> OpenAsync(IPEndPoint server, string? from = null)
    {
        var client = new TcpClient(new IPEndPoint(from is null ? IPAddress.Loopback : IPAddress.Parse(from), 0));
        await client.ConnectAsync(server).WaitAsync(ReadTimeout);
        var dialog = new SmtpDialog(client);
        dialog.Greeting = await dialog.ReadReplyAsync();
        return dialog;
    }

    /// <summary>Sends one command line and returns the whole reply (continuation lines joined with '\n').</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(ReadTimeout);
        await _stream.FlushAsync();
    }

    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null) return lines.Count == 0 ? "<closed>" : string.Join("\n", lines) + "\n<closed>";
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-') return string.Join("\n", lines);
        }
    }

    /// <summary>True once the server closed the connection (reads end), within the read timeout.</summary>
    public async Task<bool> IsClosedAsync() => await ReadLineAsync() is null;

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return text[..end];
            }
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer).AsTask().WaitAsync(ReadTimeout);
            }
            catch (IOException)
            {
                return null;
            }
            if (read == 0) return null;
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
