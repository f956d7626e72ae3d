using System.Composition;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace SubmitProbe;

/// <summary>
/// A test plugin that submits through the SDK, so a durability test can drive the queue from many sockets into a real
/// server process. Protocol, one request after another on a connection:
/// <c>SUBMIT &lt;sender&gt; &lt;rcpt&gt; &lt;length&gt;\r\n</c> followed by exactly <c>length</c> bytes of message;
/// the answer is <c>OK &lt;queue-id&gt;\r\n</c>, written only after <see cref="IMessageQueue.SubmitAsync"/> returned
/// (the message is durable), or <c>ERR &lt;text&gt;\r\n</c>. <c>&lt;&gt;</c> is the null sender. <c>QUIT</c> closes.
/// Limits: request line <see cref="MaxLineLength"/>, message <c>SubmitProbe:MaxLength</c> (default 1 MiB), each read
/// bounded by <c>SubmitProbe:ReadTimeoutSeconds</c> (default 30). Listener: <c>SubmitProbe:Listen</c> (default port 2999).
/// </summary>
[Module("SubmitProbe", "1.0.0")]
public sealed class SubmitProbeModule : IModule
{
    public const int MaxLineLength = 1024;

    private const int MaxConnections = 128;

    private readonly IMessageQueue _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly SemaphoreSlim _connections = new(MaxConnections, MaxConnections);
    private IReadOnlyList<Socket> _sockets = [];
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private TimeSpan _readTimeout = TimeSpan.FromSeconds(30);
    private int _maxLength = 1024 * 1024;
    private int _active;

    [ImportingConstructor]
    public SubmitProbeModule(IMessageQueue queue) => _queue = queue;

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _logger = context.LoggerFactory.CreateLogger("SubmitProbe");
        if (int.TryParse(context.Settings["ReadTimeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) && seconds > 0) _readTimeout = TimeSpan.FromSeconds(seconds);
        if (int.TryParse(context.Settings["MaxLength"], CultureInfo.InvariantCulture, out var max) && max > 0) _maxLength = max;
        _sockets = context.Listeners.BindTcp("SubmitProbe", null, 2999);
        foreach (var socket in _sockets) _loops.Add(AcceptLoopAsync(socket, _stopping.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var socket in _sockets) socket.Dispose();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken);
            while (Volatile.Read(ref _active) > 0) await Task.Delay(20, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("submit probe sessions still running at the stop deadline");
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (!_connections.Wait(0))
            {
                client.Dispose();
                continue;
            }
            Interlocked.Increment(ref _active);
            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client, cancellationToken);
                }
                finally
                {
                    client.Dispose();
                    _connections.Release();
                    Interlocked.Decrement(ref _active);
                }
            }, CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        var clientIp = (client.RemoteEndPoint as IPEndPoint)?.Address;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var reader = new RequestReader(stream);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                RequestReader.Line read;
                using (var timeout = Deadline(cancellationToken))
                {
                    read = await reader.ReadLineAsync(MaxLineLength, timeout.Token);
                }
                if (read.TooLong)
                {
                    await AnswerAsync(stream, "ERR request line too long", cancellationToken);
                    return; // the rest of the line cannot be told from a message: close
                }
                if (read.Text is not { } line) return; // the client closed
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 1 && parts[0].Equals("QUIT", StringComparison.OrdinalIgnoreCase))
                {
                    await AnswerAsync(stream, "OK bye", cancellationToken);
                    return;
                }
                if (parts.Length != 4 || !parts[0].Equals("SUBMIT", StringComparison.OrdinalIgnoreCase)
                    || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    await AnswerAsync(stream, "ERR expected SUBMIT <sender> <rcpt> <length>", cancellationToken);
                    return; // without a valid length the next bytes cannot be framed: close
                }
                if (length > _maxLength)
                {
                    await AnswerAsync(stream, $"ERR message longer than {_maxLength} bytes", cancellationToken);
                    return;
                }
                var body = new byte[length];
                bool complete;
                using (var timeout = Deadline(cancellationToken))
                {
                    complete = await reader.ReadExactlyAsync(body, timeout.Token);
                }
                if (!complete) return; // closed mid-message: nothing is submitted
                await AnswerAsync(stream, await SubmitAsync(parts[1], parts[2], body, clientIp, cancellationToken), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Read timeout or server stopping: close.
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "submit probe session failed");
        }
    }

    private async Task<string> SubmitAsync(string sender, string recipient, byte[] body, IPAddress? clientIp, CancellationToken cancellationToken)
    {
        try
        {
            var envelope = new Envelope
            {
                Sender = sender == "<>" ? "" : sender,
                Recipients = [new EnvelopeRecipient { Address = recipient }],
                Source = new RequestSource { ClientIp = clientIp, Class = SourceClass.Trusted, Protocol = "submitprobe" },
            };
            var result = await _queue.SubmitAsync(envelope, MessageBody.FromBytes(body), cancellationToken);
            return result.Status switch
            {
                SubmitStatus.Accepted => $"OK {result.QueueId}",
                SubmitStatus.RejectedPermanently => $"ERR rejected: {result.Code} {OneLine(result.Text)}",
                _ => $"ERR {result.Code} {OneLine(result.Text)}",
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"ERR {OneLine(e.Message)}";
        }
    }

    private static string OneLine(string? text) => new((text ?? "").Select(c => char.IsControl(c) ? ' ' : c).Take(400).ToArray());

    private static Task AnswerAsync(NetworkStream stream, string line, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(OneLine(line) + "\r\n"), cancellationToken).AsTask();

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_readTimeout);
        return timeout;
    }
}
