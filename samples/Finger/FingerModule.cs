using System.Buffers;
using System.Composition;
using System.IO.Pipelines;
using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Finger;

/// <summary>
/// RFC 1288 finger over TCP: one query line, one answer, close. Answers from the account store: an account that
/// exists gets its address and real name; an unknown or malformed name gets nothing (finger must not confirm or deny
/// more than it means to, RFC 1288 §3.2.5). Forwarding (<c>user@otherhost</c>) and the user list are refused (§3.2.1, §3.2.2).
/// The kernel hosts the connections: <c>Finger:Listen</c> (default port 79) and, when configured, finger over TLS on
/// <c>Finger:Tls:Listen</c>. Limits and the idle timeout are the kernel's (<c>Finger:IdleTimeoutSeconds</c>, default 10;
/// <c>Finger:MaxConnections</c>, <c>Finger:MaxConnectionsPerIp</c>).
/// </summary>
[Module("Finger", "2.0.0")]
public sealed class FingerModule : IModule
{
    /// <summary>Longest query line accepted, CRLF included; a longer one gets an error line and the connection closes.</summary>
    public const int MaxLineLength = 512;

    private readonly IAccountStore _accounts;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    [ImportingConstructor]
    public FingerModule(IAccountStore accounts) => _accounts = accounts;

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _logger = context.LoggerFactory.CreateLogger("Finger");
        var options = new ConnectionListenerOptions
        {
            DefaultPort = 79,
            MaxConnections = 256,
            MaxConnectionsPerIp = 8,
            IdleTimeout = TimeSpan.FromSeconds(10),
            RefusalReply = "finger: too many connections, try again later\r\n"u8.ToArray(),
        };
        context.Connections.Listen(options, ServeAsync);
        // Finger over TLS is off unless the operator gives it an address (there is no standard port for it).
        if (context.Settings.GetSection("Tls:Listen").Exists())
            context.Connections.Listen(options with { Role = "Tls", DefaultPort = 0, ImplicitTls = true }, ServeAsync);
        return Task.CompletedTask;
    }

    /// <summary>Nothing to do: the kernel drains the listeners before it stops the module.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ServeAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(connection.Input, cancellationToken);
        if (line is null) return; // the client closed (or the idle timeout did) before a full line
        var answer = line.TooLong ? "finger: query too long\r\n" : await AnswerAsync(line.Text, cancellationToken);
        if (answer.Length > 0) await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(answer), cancellationToken);
        // Returning closes the connection gracefully: the kernel flushes, half-closes and discards what is still coming.
    }

    /// <summary>A query line without its CRLF, or TooLong once <see cref="MaxLineLength"/> bytes pass without one.</summary>
    private sealed record QueryLine(string Text, bool TooLong);

    /// <summary>Reads up to LF from the pipe, never buffering more than <see cref="MaxLineLength"/> bytes. Null at end of stream.</summary>
    private static async Task<QueryLine?> ReadLineAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var text = Encoding.ASCII.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                input.AdvanceTo(buffer.GetPosition(1, end));
                return new QueryLine(text, buffer.Slice(0, end).Length >= MaxLineLength);
            }
            if (buffer.Length >= MaxLineLength)
            {
                input.AdvanceTo(buffer.End);
                return new QueryLine("", TooLong: true);
            }
            if (result.IsCompleted)
            {
                // RFC 1288 asks for CRLF, but a client that half-closes after its query still gets an answer.
                if (buffer.Length == 0) return null;
                var text = Encoding.ASCII.GetString(buffer).TrimEnd('\r');
                input.AdvanceTo(buffer.End);
                return new QueryLine(text, false);
            }
            input.AdvanceTo(buffer.Start, buffer.End); // need more
        }
    }

    private async Task<string> AnswerAsync(string line, CancellationToken cancellationToken)
    {
        if (!FingerQuery.TryParse(line, out var query)) return "";
        if (query!.User.Length == 0 && query.Host is null) return "finger: listing users is not offered here\r\n";
        string? domain;
        if (query.Host is not null)
        {
            // A host that is one of our own domains is answered here; anything else would be forwarding (RFC 1288 §3.2.1).
            domain = DomainName.IsValid(query.Host) ? await _accounts.ResolveDomainAsync(query.Host, cancellationToken) : null;
            if (domain is null) return "finger: forwarding is not offered here\r\n";
            if (query.User.Length == 0) return "finger: listing users is not offered here\r\n";
        }
        else
        {
            domain = await _accounts.GetMainDomainAsync(cancellationToken);
        }
        if (domain is null || !AccountAddress.TryParse(query.User, domain, out var address) || address is null) return "";
        var account = await _accounts.GetAccountAsync(address, cancellationToken);
        if (account is null) return "";
        _logger.LogDebug("finger answered for {Account}", account.Address);
        var text = new StringBuilder();
        text.Append("Login: ").Append(account.Address).Append("\r\n");
        text.Append("Name: ").Append(Printable(account.RealName ?? "")).Append("\r\n");
        return text.ToString();
    }

    /// <summary>RFC 1288 §3.3: filter control characters out of what is sent back.</summary>
    private static string Printable(string text) => new(text.Where(c => !char.IsControl(c) && c < 0x7f).ToArray());
}
