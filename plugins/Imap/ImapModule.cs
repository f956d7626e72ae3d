using System.Composition;
using Imap.Protocol;
using Imap.Session;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Imap;

/// <summary>
/// IMAP4rev1 (RFC 3501) on the kernel's connection host: <c>Imap:Listen</c> (default 127.0.0.1:143, STARTTLS) and
/// <c>Imap:Imaps:Listen</c> (default 127.0.0.1:993, TLS from the first byte). Logins go through the kernel's login
/// throttle and the Router's Access kind; every mailbox decision is the mailbox store's.
/// </summary>
[Module("Imap", "1.0.0")]
public sealed class ImapModule : IModule
{
    private readonly IAccountStore _accounts;
    private readonly IMailboxStore _mailboxes;
    private readonly ILoginThrottle _throttle;
    private readonly IAddressRouter _router;

    [ImportingConstructor]
    public ImapModule(IAccountStore accounts, IMailboxStore mailboxes, ILoginThrottle throttle, IAddressRouter router)
    {
        _accounts = accounts;
        _mailboxes = mailboxes;
        _throttle = throttle;
        _router = router;
    }

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        var limits = new ImapLimits
        {
            MaxLineLength = (int)Setting(context, "MaxLineLength", ImapLimits.Default.MaxLineLength),
            MaxLiteral = (int)Setting(context, "MaxLiteral", ImapLimits.Default.MaxLiteral),
            MaxAppend = Setting(context, "MaxAppendSize", ImapLimits.Default.MaxAppend),
        };
        var services = new ImapServices(_accounts, _mailboxes, _throttle, _router, context.LoggerFactory.CreateLogger("Imap"), limits)
        {
            LoginDisabledWithoutTls = string.Equals(context.Settings["LoginDisabledWithoutTls"], "true", StringComparison.OrdinalIgnoreCase),
        };
        var options = new ConnectionListenerOptions
        {
            DefaultPort = 143,
            MaxConnections = 2000,
            MaxConnectionsPerIp = 50,
            // RFC 3501 §5.4: the autologout timer is at least 30 minutes.
            IdleTimeout = TimeSpan.FromMinutes(30),
            RefusalReply = "* BYE [UNAVAILABLE] Too many connections\r\n"u8.ToArray(),
            IdleTimeoutReply = "* BYE Autologout; idle for too long\r\n"u8.ToArray(),
        };
        context.Connections.Listen(options, (c, ct) => new ImapSession(c, services).RunAsync(ct));
        context.Connections.Listen(options with { Role = "Imaps", DefaultPort = 993, ImplicitTls = true }, (c, ct) => new ImapSession(c, services).RunAsync(ct));
        return Task.CompletedTask;
    }

    private static long Setting(IModuleContext context, string key, long fallback) =>
        long.TryParse(context.Settings[key], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
