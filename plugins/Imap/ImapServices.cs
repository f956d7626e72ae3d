using Imap.Protocol;
using Imap.Session;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Imap;

/// <summary>The kernel services and settings every session shares.</summary>
internal sealed record ImapServices(
    IAccountStore Accounts,
    IMailboxStore Mailboxes,
    ILoginThrottle Throttle,
    IAddressRouter Router,
    ILogger Logger,
    ImapLimits Limits)
{
    /// <summary><c>Imap:LoginDisabledWithoutTls</c>: LOGIN and AUTHENTICATE only after STARTTLS (or on the TLS port).</summary>
    public bool LoginDisabledWithoutTls { get; init; }
}
