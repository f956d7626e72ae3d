using System.Composition;
using Kernel.Abstractions;

namespace DnsProbe180;

/// <summary>A router that refuses everything naming itself, so a test sees which plugin's router the host chose.</summary>
[Export(typeof(IAddressRouter))]
public sealed class DnsProbe180Router : IAddressRouter
{
    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new RouteDecision(
            new RouteResult.Reject(RejectReason.Blocked, "5.7.1", "DnsProbe180"), RelayVerdict.Deny("DnsProbe180"), []));
}
