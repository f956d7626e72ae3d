using System.Composition;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Smtp.Server;

namespace Smtp;

/// <summary>
/// The SMTP plugin's module: registers the listeners (smtp.md §1) with the kernel's connection host — <c>Smtp:Listen</c>
/// (25), <c>Smtp:Submission:Listen</c> (587, AUTH before MAIL), <c>Smtp:Smtps:Listen</c> (465, implicit TLS) and
/// <c>Smtp:Odmr:Listen</c> (366, ATRN) — and serves each connection with one <see cref="SmtpSession"/>.
/// </summary>
[Module("Smtp", "1.0.0")]
public sealed class SmtpModule : IModule
{
    private readonly IMessageQueue _queue;
    private readonly IAddressRouter _router;
    private readonly IAccountStore _accounts;
    private readonly ISourceClassifier _classifier;
    private readonly ILoginThrottle _throttle;
    private readonly IQueueTurnaround? _turnaround;
    private SmtpServices? _services;

    [ImportingConstructor]
    public SmtpModule(IMessageQueue queue, IAddressRouter router, IAccountStore accounts, ILoginThrottle throttle, ISourceClassifier classifier,
        [Import(AllowDefault = true)] IQueueTurnaround? turnaround = null)
    {
        _queue = queue;
        _router = router;
        _accounts = accounts;
        _classifier = classifier;
        _throttle = throttle;
        _turnaround = turnaround;
    }

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        var logger = context.LoggerFactory.CreateLogger("Smtp");
        _services = new SmtpServices(_queue, _router, _accounts, _classifier, _throttle, _turnaround, Server.SmtpServerOptions.From(context.Configuration, context.Settings), logger);
        if (_turnaround is null) logger.LogInformation("smtp: no queue turnaround installed; ATRN and TURN answer 451 until the delivery side is present");
        var options = new ConnectionListenerOptions
        {
            DefaultPort = 25,
            MaxConnections = 1000,
            MaxConnectionsPerIp = 50,
            // The kernel's idle limit backs up our own per-command and per-block timeouts (RFC 5321 §4.5.3.2).
            IdleTimeout = TimeSpan.FromMinutes(10),
            RefusalReply = "421 4.7.0 Too many connections, try again later\r\n"u8.ToArray(),
            IdleTimeoutReply = "421 4.4.2 Idle timeout, closing connection\r\n"u8.ToArray(),
        };
        Listen(context, options, SmtpListenerKind.Smtp);
        // The other roles are extras: one that cannot bind (a port taken) is logged and the rest keep serving.
        ListenOptional(context, logger, options with { Role = "Submission", DefaultPort = 587 }, SmtpListenerKind.Submission);
        ListenOptional(context, logger, options with { Role = "Smtps", DefaultPort = 465, ImplicitTls = true }, SmtpListenerKind.Smtps);
        ListenOptional(context, logger, options with { Role = "Odmr", DefaultPort = 366 }, SmtpListenerKind.Odmr);
        return Task.CompletedTask;
    }

    private void ListenOptional(IModuleContext context, ILogger logger, ConnectionListenerOptions options, SmtpListenerKind kind)
    {
        try
        {
            Listen(context, options, kind);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError("smtp: the {Role} listener is not available: {Reason}", options.Role, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Listen(IModuleContext context, ConnectionListenerOptions options, SmtpListenerKind kind) =>
        context.Connections.Listen(options, (connection, drain) => new SmtpSession(connection, _services!, kind, drain).RunAsync());
}
