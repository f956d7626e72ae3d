using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>
/// The extension points plugins fill, as the kernel sees them right now (plugins come and go at run time, so read
/// these at each use rather than caching them). Where no plugin fills a policy point the kernel's documented
/// default is used: <see cref="Router"/> falls back to the default router (local domains only); no rule engine means no rules.
/// When several plugins fill one point, configuration names the one to use (<c>Kernel:Router</c>, <c>Kernel:Rules</c>), never load order.
/// </summary>
public interface IKernelExtensions
{
    /// <summary>The Router plugin's router, else the kernel default. Never null.</summary>
    IAddressRouter Router { get; }

    IRuleEngine? RuleEngine { get; }

    IReadOnlyList<IMailTransport> MailTransports { get; }

    IReadOnlyList<ISignalTransport> SignalTransports { get; }

    IReadOnlyList<ICliCommands> CliCommands { get; }
}
