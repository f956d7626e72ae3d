using System.Composition;
using System.Globalization;
using System.Net;
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
/// Limits: request line <see cref="MaxLineLength"/>, message <c>SubmitProbe:MaxLength</c> (default 1 MiB); the kernel
/// hosts the connections (<c>SubmitProbe:Listen</c>, default port 2999; idle timeout <c>SubmitProbe:IdleTimeoutSeconds</c>, default 30).
/// </summary>
[Module("SubmitProbe", "2.0.0")]
public sealed class SubmitProbeModule : IModule
{
    public const int MaxLineLength = 1024;

    private readonly IMessageQueue _queue;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private int _maxLength = 1024 * 1024;

    [ImportingConstructor]
    public SubmitProbeModule(IMessageQueue queue) => _queue = queue;

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _logger = context.LoggerFactory.CreateLogger("SubmitProbe");
        if (int.TryParse(context.Settings["MaxLength"], CultureInfo.InvariantCulture, out var max) && max > 0) _maxLength = max;
        context.Connections.Listen(new ConnectionListenerOptions
        {
            DefaultPort = 2999,
            MaxConnections = 128,
            MaxConnectionsPerIp = 128,
            IdleTimeout = TimeSpan.FromSeconds(30),
            RefusalReply = "ERR too many connections\r\n"u8.ToArray(),
        }, ServeAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ServeAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var reader = new RequestReader(connection.Input);
        while (!cancellationToken.IsCancellationRequested)
        {
            var read = await reader.ReadLineAsync(MaxLineLength, cancellationToken);
            if (read.TooLong)
            {
                await AnswerAsync(connection, "ERR request line too long", cancellationToken);
                return; // the rest of the line cannot be told from a message: close
            }
            if (read.Text is not { } line) return; // the client closed
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 1 && parts[0].Equals("QUIT", StringComparison.OrdinalIgnoreCase))
            {
                await AnswerAsync(connection, "OK bye", cancellationToken);
                return;
            }
            if (parts.Length != 4 || !parts[0].Equals("SUBMIT", StringComparison.OrdinalIgnoreCase)
                || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                await AnswerAsync(connection, "ERR expected SUBMIT <sender> <rcpt> <length>", cancellationToken);
                return; // without a valid length the next bytes cannot be framed: close
            }
            if (length > _maxLength)
            {
                await AnswerAsync(connection, $"ERR message longer than {_maxLength} bytes", cancellationToken);
                return;
            }
            var body = new byte[length];
            if (!await reader.ReadExactlyAsync(body, cancellationToken)) return; // closed mid-message: nothing is submitted
            await AnswerAsync(connection, await SubmitAsync(parts[1], parts[2], body, connection.RemoteEndPoint.Address, cancellationToken), cancellationToken);
        }
    }

    private async Task<string> SubmitAsync(string sender, string recipient, byte[] body, IPAddress clientIp, CancellationToken cancellationToken)
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
            _logger.LogWarning(e, "submit probe: submission failed");
            return $"ERR {OneLine(e.Message)}";
        }
    }

    private static string OneLine(string? text) => new((text ?? "").Select(c => char.IsControl(c) ? ' ' : c).Take(400).ToArray());

    private static async Task AnswerAsync(IConnection connection, string line, CancellationToken cancellationToken) =>
        await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(OneLine(line) + "\r\n"), cancellationToken);
}
