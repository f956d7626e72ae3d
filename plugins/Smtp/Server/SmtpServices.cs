using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Smtp.Server;

/// <summary>What every session uses: the kernel's services, the turnaround of the delivery side (null until it is installed), the options.</summary>
internal sealed record SmtpServices(
    IMessageQueue Queue,
    IAddressRouter Router,
    IAccountStore Accounts,
    ILoginThrottle Throttle,
    IQueueTurnaround? Turnaround,
    SmtpServerOptions Options,
    ILogger Logger)
{
    public SessionPolicy Policy { get; } = new(Accounts, Options.ServerName);

    public EtrnRateLimit Etrn { get; } = new(Options.EtrnPerMinute);
}
