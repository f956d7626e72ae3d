using Kernel.Abstractions;
using Kernel.Plugins;

namespace Kernel.Bench.Queue;

/// <summary>No plugins: every recipient is a local account (what the default router does for a local domain).</summary>
internal sealed class BenchExtensions : IKernelExtensions, IAddressRouter
{
    public IAddressRouter Router => this;
    public IRuleEngine? RuleEngine => null;
    public IReadOnlyList<IMailTransport> MailTransports => [];
    public IReadOnlyList<ISignalTransport> SignalTransports => [];
    public IReadOnlyList<ICliCommands> CliCommands => [];

    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
    {
        AccountAddress.TryParse(request.Address, null, out var account);
        RouteResult result = account is null ? new RouteResult.Reject(RejectReason.BadSyntax, "5.1.3", "bad address") : new RouteResult.Local(account);
        return ValueTask.FromResult(new RouteDecision(result, RelayVerdict.Allow("local"), []));
    }
}
