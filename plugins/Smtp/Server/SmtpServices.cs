using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Smtp.Server;

/// <summary>What every session uses: the kernel's services (the classifier says who is Trusted, smtp.md §5.1), the turnaround of the delivery side (null until it is installed), the options.</summary>
internal sealed record SmtpServices(
    IMessageQueue Queue,
    IAddressRouter Router,
    IAccountStore Accounts,
    ISourceClassifier Classifier,
    ILoginThrottle Throttle,
    IQueueTurnaround? Turnaround,
    SmtpServerOptions Options,
    ILogger Logger)
{
    public EtrnRateLimit Etrn { get; } = new(Options.EtrnPerMinute);
}
