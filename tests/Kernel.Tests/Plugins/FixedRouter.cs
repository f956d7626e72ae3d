using Kernel.Abstractions;

namespace Kernel.Tests.Plugins;

/// <summary>Stands for the kernel's default router: refuses everything with its own name.</summary>
internal sealed class FixedRouter(string name) : IAddressRouter
{
    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new RouteDecision(new RouteResult.Reject(RejectReason.UnknownDomain, "5.1.2", name), RelayVerdict.Deny(name), []));
}
