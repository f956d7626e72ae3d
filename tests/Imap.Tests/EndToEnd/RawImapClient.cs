using System.Net.Sockets;
using System.Text;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// A bare IMAP client over a socket for exact assertions: sends a command with a fresh tag and collects the untagged
/// lines (literals inlined) up to the tagged response. Every read is bounded by a timeout.
/// </summary>
public sealed class RawImapClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private int _tag;

    private RawImapClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public string Greeting { get; private set; } = "";

    public static async Task<RawImapClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawImapClient(tcp);
        client.Greeting = await client.ReadLineAsync();
        return client;
    }

    public sealed record Reply(List<string> Untagged, string Tagged)
    {
        public string All => string.Join("\n", Untagged) + "\n" + Tagged;

        public bool Ok => Tagged.Split(' ', 3)[1] == "OK";
    }

    /// <summary>Sends <paramref name="command"/> with a new tag and reads through its tagged response.</summary>
    public async Task<Reply> SendAsync(string command)
    {
        var tag = "t" + ++_tag;
        await WriteAsync($"{tag} {command}\r\n");
        return await ReadReplyAsync(tag);
    }

    public async Task<Reply> OkAsync(string command)
    {
        var reply = await SendAsync(command);
        if (!reply.Ok) throw new Xunit.Sdk.XunitException($"{command} → {reply.All}");
        return reply;
    }

    /// <summary>APPENDs <paramref name="message"/> <paramref name="count"/> times with LITERAL+ (pipelined) and checks each is OK.</summary>
    public async Task AppendManyAsync(string mailbox, string message, int count)
    {
        var tags = Enumerable.Range(0, count).Select(_ => "t" + ++_tag).ToList();
        foreach (var tag in tags) await WriteAsync($"{tag} APPEND {mailbox} {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}\r\n");
        foreach (var tag in tags)
        {
            var reply = await ReadReplyAsync(tag);
            if (!reply.Ok) throw new Xunit.Sdk.XunitException($"APPEND {mailbox} → {reply.All}");
        }
    }

    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, cts.Token);
    }

    public async Task<Reply> ReadReplyAsync(string tag)
    {
        var untagged = new List<string>();
        while (true)
        {
            var line = await ReadResponseLineAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return new Reply(untagged, line);
            untagged.Add(line);
        }
    }

    /// <summary>One response line with any literals it announces read in place.</summary>
    public async Task<string> ReadResponseLineAsync()
    {
        var sb = new StringBuilder(await ReadLineAsync());
        while (sb.Length > 2 && sb[^1] == '}' && sb.ToString().LastIndexOf('{') is var open and >= 0
               && int.TryParse(sb.ToString(open + 1, sb.Length - open - 2), out var n))
        {
            sb.Append("\r\n").Append(Encoding.UTF8.GetString(await ReadBytesAsync(n)));
            sb.Append(await ReadLineAsync());
        }
        return sb.ToString();
    }

    public async Task<string> ReadLineAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end) await FillAsync();
            var b = _buffer[_start++];
            if (b == '\n') break;
            line.Add(b);
        }
        if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
        return Encoding.UTF8.GetString(line.ToArray());
    }

    private async Task<byte[]> ReadBytesAsync(int n)
    {
        var result = new byte[n];
        var got = 0;
        while (got < n)
        {
            if (_start == _end) await FillAsync();
            var take = Math.Min(n - got, _end - _start);
            Array.Copy(_buffer, _start, result, got, take);
            _start += take;
            got += take;
        }
        return result;
    }

    private async Task FillAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cts.Token);
        if (_end == 0) throw new EndOfStreamException("the server closed the connection");
    }

    /// <summary>True when the server closes the connection within the timeout (after BYE).</summary>
    public async Task<bool> ClosedAsync()
    {
        try
        {
            while (true) await ReadLineAsync();
        }
        catch (EndOfStreamException) { return true; }
        catch (IOException) { return true; }
    }

    public void Abort() => _tcp.Client.Close(0);

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
