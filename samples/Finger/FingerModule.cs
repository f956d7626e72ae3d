using System.Composition;
using System.Net.Sockets;
using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Finger;

/// <summary>
/// RFC 1288 finger over TCP: one query line, one answer, close. Answers from the account store: an account that
/// exists gets its address and real name; an unknown or malformed name gets nothing (finger must not confirm or deny
/// more than it means to, RFC 1288 §3.2.5). Forwarding (<c>user@otherhost</c>) and the user list are refused (§3.2.1, §3.2.2).
/// Listeners: <c>Finger:Listen</c> (default port 79); <c>Finger:ReadTimeoutSeconds</c> (default 10).
/// </summary>
[Module("Finger", "1.0.0")]
public sealed class FingerModule : IModule
{
    /// <summary>Longest query line accepted, CRLF included; a longer one gets an error line and the connection closes.</summary>
    public const int MaxLineLength = 512;

    private const int MaxConnections = 64;

    private readonly IAccountStore _accounts;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly SemaphoreSlim _connections = new(MaxConnections, MaxConnections);
    private IReadOnlyList<Socket> _sockets = [];
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private TimeSpan _readTimeout = TimeSpan.FromSeconds(10);
    private int _active;

    [ImportingConstructor]
    public FingerModule(IAccountStore accounts) => _accounts = accounts;

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _logger = context.LoggerFactory.CreateLogger("Finger");
        if (int.TryParse(context.Settings["ReadTimeoutSeconds"], out var seconds) && seconds > 0) _readTimeout = TimeSpan.FromSeconds(seconds);
        _sockets = context.Listeners.BindTcp("Finger", null, 79);
        foreach (var socket in _sockets) _loops.Add(AcceptLoopAsync(socket, _stopping.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var socket in _sockets) socket.Dispose();
        // Drain: the accept loops end at once; sessions in flight finish (each is bounded by the read timeout).
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken);
            while (Volatile.Read(ref _active) > 0) await Task.Delay(20, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("finger sessions still running at the stop deadline");
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
        await using var stream = new NetworkStream(client, ownsSocket: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_readTimeout);
        try
        {
            var line = await ReadLineAsync(stream, timeout.Token);
            var answer = line is null ? "finger: query too long\r\n" : await AnswerAsync(line, timeout.Token);
            if (answer.Length > 0) await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), timeout.Token);
            if (line is null) await LingerAsync(client, stream, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Read timeout or server stopping: close without an answer.
        }
        catch (IOException)
        {
        }
        catch (Exception e)
        {
            // Never leak an internal error to the client; log it for the operator.
            _logger.LogError(e, "finger query failed");
        }
    }

    /// <summary>
    /// After refusing an over-long line: closing with unread input would reset the connection and the client could
    /// lose the error line. Half-close, then discard what is still coming (bounded in bytes and time).
    /// </summary>
    private static async Task LingerAsync(Socket client, NetworkStream stream, CancellationToken cancellationToken)
    {
        client.Shutdown(SocketShutdown.Send);
        var discard = new byte[4096];
        for (var total = 0; total < 64 * 1024;)
        {
            var read = await stream.ReadAsync(discard, cancellationToken);
            if (read == 0) return;
            total += read;
        }
    }

    /// <summary>Reads up to CRLF (or LF). Null when the line exceeds <see cref="MaxLineLength"/>.</summary>
    private static async Task<string?> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxLineLength];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length) return null;
            var read = await stream.ReadAsync(buffer.AsMemory(length, buffer.Length - length), cancellationToken);
            if (read == 0) return Encoding.ASCII.GetString(buffer, 0, length).TrimEnd('\r');
            var end = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (end >= 0) return Encoding.ASCII.GetString(buffer, 0, end).TrimEnd('\r');
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
        var text = new StringBuilder();
        text.Append("Login: ").Append(account.Address).Append("\r\n");
        text.Append("Name: ").Append(Printable(account.RealName ?? "")).Append("\r\n");
        return text.ToString();
    }

    /// <summary>RFC 1288 §3.3: filter control characters out of what is sent back.</summary>
    private static string Printable(string text) => new(text.Where(c => !char.IsControl(c) && c < 0x7f).ToArray());
}
