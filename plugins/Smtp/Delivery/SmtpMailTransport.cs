using System.Composition;
using System.Net.Sockets;
using System.Security.Authentication;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Smtp.Delivery;

/// <summary>
/// The kernel's way out for remote mail (<see cref="IMailTransport"/> named "SMTP", the name the Router gives
/// <see cref="RouteResult.Remote.Transport"/> for mail). For each message: find the target (smtp.md §11.2), take an idle
/// session to it or connect (next address on a connection failure or a 4xx/5xx greeting), run the transaction and
/// return one outcome per recipient. The kernel keeps retries, back-off and DSNs.
/// </summary>
[Export(typeof(IMailTransport))]
[Shared]
public sealed class SmtpMailTransport : IMailTransport, IDisposable
{
    private readonly DeliverySettings _settings;
    private readonly TargetResolver _resolver;
    private readonly SessionPool _pool;
    private readonly ILogger _logger;

    [ImportingConstructor]
    public SmtpMailTransport(IDnsResolver dns, IListenerRegistry listeners, IConfiguration configuration, ILoggerFactory loggers)
        : this(dns, listeners, DeliverySettings.From(configuration), loggers.CreateLogger<SmtpMailTransport>(), TimeProvider.System)
    {
    }

    internal SmtpMailTransport(IDnsResolver dns, IListenerRegistry listeners, DeliverySettings settings, ILogger logger, TimeProvider time)
    {
        _settings = settings;
        _logger = logger;
        _resolver = new TargetResolver(dns, listeners, () => _settings.Port);
        _pool = new SessionPool(() => _settings, logger, time);
    }

    public string Name => "SMTP";

    internal SessionPool Pool => _pool;

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var resolution = await _resolver.ResolveAsync(message.Target, cancellationToken);
        if (resolution.Failure is { } nowhere)
        {
            _logger.LogInformation("message {QueueId} for queue {Queue}: {Reason}", message.QueueId, message.Queue, nowhere.Text);
            return AllRecipients(message, nowhere, null);
        }
        string? lastError = null;
        foreach (var target in resolution.Targets)
        {
            // A reused connection may have been closed by the peer meanwhile: then one fresh connection to the same address.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var (session, reused, error) = await OpenAsync(target, cancellationToken);
                if (session is null)
                {
                    lastError = error;
                    _logger.LogInformation("message {QueueId}: {Target} not usable: {Reason}", message.QueueId, target, error);
                    break;
                }
                IReadOnlyList<RecipientOutcome> outcomes;
                try
                {
                    outcomes = await session.SendAsync(message, cancellationToken);
                }
                finally
                {
                    _pool.Release(target.EndPoint, session);
                }
                if (reused && !session.Usable && outcomes.All(o => o.Outcome == DeliveryOutcome.TemporaryFailure && o.Status == "4.4.2")) continue;
                _logger.LogInformation("message {QueueId} to {Target}: {Delivered} delivered, {Deferred} deferred, {Failed} failed", message.QueueId, target,
                    outcomes.Count(o => o.Outcome == DeliveryOutcome.Delivered), outcomes.Count(o => o.Outcome == DeliveryOutcome.TemporaryFailure),
                    outcomes.Count(o => o.Outcome == DeliveryOutcome.PermanentFailure));
                return outcomes;
            }
        }
        // smtp.md §11.2 (4): no address worked, the queue's recipients stay queued.
        var failure = SmtpReply.Local(451, "4.4.1", $"no usable host for {message.Target.Host}: {lastError ?? "no answer"}");
        return AllRecipients(message, failure, null);
    }

    /// <summary>An idle session or a new connection greeted, EHLO'd and, when offered, TLS'd.</summary>
    private async Task<(ClientSession? Session, bool Reused, string? Error)> OpenAsync(DeliveryTarget target, CancellationToken cancellationToken)
    {
        // An idle session is taken as it is: its next transaction starts with RSET (pipelined with MAIL), and a
        // connection the peer closed meanwhile shows up there as a 4.4.2, after which DeliverAsync connects afresh.
        var idle = await _pool.AcquireAsync(target.EndPoint, cancellationToken);
        if (idle is not null) return (idle, true, null);
        // We hold a slot now; every path below either returns a session in it or releases it.
        try
        {
            var session = await ConnectAsync(target, _settings.StartTls, cancellationToken);
            if (session.Session is null) _pool.Release(target.EndPoint, null);
            return (session.Session, false, session.Error);
        }
        catch
        {
            _pool.Release(target.EndPoint, null);
            throw;
        }
    }

    private async Task<(ClientSession? Session, string? Error)> ConnectAsync(DeliveryTarget target, bool tls, CancellationToken cancellationToken)
    {
        ClientSession? session = null;
        try
        {
            var channel = await SocketChannel.ConnectAsync(target.EndPoint, _settings.SourceAddress, _settings.ConnectTimeout, _settings.VerifyCertificates, cancellationToken);
            session = new ClientSession(channel, _settings, target.Host);
            var greeting = await session.ReadGreetingAsync(_settings.GreetingTimeout, cancellationToken);
            if (greeting.Code != 220)
            {
                // RFC 5321 §3.1: a 554 (or any non-220) greeting means no service here; try the next address.
                await session.QuitAsync(cancellationToken);
                await session.DisposeAsync();
                return (null, $"greeting: {greeting.Text}");
            }
            var hello = await session.HelloAsync(cancellationToken);
            if (!hello.IsPositive)
            {
                await session.QuitAsync(cancellationToken);
                await session.DisposeAsync();
                return (null, $"EHLO/HELO: {hello.Text}");
            }
            if (tls && session.Capabilities.StartTls && channel.CanStartTls)
            {
                try
                {
                    await session.StartTlsAsync(cancellationToken);
                }
                catch (Exception e) when (e is IOException or AuthenticationException)
                {
                    // smtp.md §11.4: a failed handshake is retried once on a new connection without TLS.
                    _logger.LogInformation("STARTTLS with {Target} failed ({Reason}); retrying without TLS", target, e.Message);
                    await session.DisposeAsync();
                    session = null;
                    return await ConnectAsync(target, tls: false, cancellationToken);
                }
            }
            return (session, null);
        }
        catch (Exception e) when (e is SocketException or TimeoutException or IOException)
        {
            if (session is not null) await session.DisposeAsync();
            return (null, e.Message);
        }
        catch
        {
            if (session is not null) await session.DisposeAsync();
            throw;
        }
    }

    private static IReadOnlyList<RecipientOutcome> AllRecipients(OutboundMessage message, SmtpReply reply, string? remoteHost)
    {
        var outcome = reply.IsPermanent ? DeliveryOutcome.PermanentFailure : DeliveryOutcome.TemporaryFailure;
        return message.Recipients.Select(r => new RecipientOutcome(r.Address, outcome, reply.Status(), reply.Text, remoteHost)).ToList();
    }

    /// <summary>MEF disposes the shared part when the plugin unloads: idle connections get their QUIT (bounded) and close.</summary>
    public void Dispose() => _ = _pool.DisposeAsync().AsTask();
}
