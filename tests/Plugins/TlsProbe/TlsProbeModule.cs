using System.Buffers;
using System.Composition;
using System.IO.Pipelines;
using System.Text;
using Kernel.Abstractions;

namespace TlsProbe;

/// <summary>
/// Speaks just enough SMTP for <c>openssl s_client -starttls smtp</c>: <c>220</c> greeting, <c>EHLO</c> (advertises
/// STARTTLS while plaintext), <c>STARTTLS</c> → <c>220</c> then the handshake in place, <c>TLS</c> → the negotiated
/// protocol, cipher and SNI name, <c>NOOP</c>, <c>QUIT</c>; anything else is <c>500</c>. Roles: <c>TlsProbe:Listen</c>
/// (plaintext with STARTTLS) and <c>TlsProbe:Implicit:Listen</c> (TLS from the first byte); default ports are free ports.
/// </summary>
[Module("TlsProbe", "1.0.0")]
public sealed class TlsProbeModule : IModule
{
    private const int MaxLineLength = 1000; // RFC 5321 §4.5.3.1.4

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        var options = new ConnectionListenerOptions
        {
            DefaultPort = 0,
            RefusalReply = "421 4.7.0 Too many connections\r\n"u8.ToArray(),
            IdleTimeoutReply = "421 4.4.2 Idle timeout\r\n"u8.ToArray(),
        };
        context.Connections.Listen(options, ServeAsync);
        context.Connections.Listen(options with { Role = "Implicit", ImplicitTls = true }, ServeAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task ServeAsync(IConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await ReplyAsync(connection, "220 tlsprobe ESMTP ready", cancellationToken);
            while (true)
            {
                var line = await ReadLineAsync(connection.Input, cancellationToken);
                if (line is null) return;
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await ReplyAsync(connection, connection.Tls is null ? "250-tlsprobe\r\n250-STARTTLS\r\n250 8BITMIME" : "250-tlsprobe\r\n250 8BITMIME", cancellationToken);
                        break;
                    case "HELO":
                    case "NOOP":
                        await ReplyAsync(connection, "250 OK", cancellationToken);
                        break;
                    case "STARTTLS" when connection.Tls is null:
                        await ReplyAsync(connection, "220 2.0.0 Ready to start TLS", cancellationToken);
                        await connection.StartTlsAsync(cancellationToken);
                        break;
                    case "STARTTLS":
                        await ReplyAsync(connection, "503 5.5.1 TLS already active", cancellationToken);
                        break;
                    case "TLS":
                        await ReplyAsync(connection, connection.Tls is { } tls
                            ? $"250 {tls.Protocol} {tls.CipherSuite} sni={tls.ServerName ?? "-"}"
                            : "250 plaintext", cancellationToken);
                        break;
                    case "QUIT":
                        await ReplyAsync(connection, "221 2.0.0 Bye", cancellationToken);
                        return;
                    default:
                        await ReplyAsync(connection, "500 5.5.2 Unknown command " + verb, cancellationToken);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReplyAsync(connection, "421 4.3.2 Shutting down", CancellationToken.None);
        }
    }

    private static async Task ReplyAsync(IConnection connection, string reply, CancellationToken cancellationToken) =>
        await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), cancellationToken);

    private static async Task<string?> ReadLineAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var text = Encoding.ASCII.GetString(buffer.Slice(0, Math.Min(buffer.Slice(0, end).Length, MaxLineLength))).TrimEnd('\r');
                input.AdvanceTo(buffer.GetPosition(1, end));
                return text;
            }
            if (result.IsCompleted || buffer.Length > MaxLineLength)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
