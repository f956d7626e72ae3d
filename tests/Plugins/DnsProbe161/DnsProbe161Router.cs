using System.Composition;
using Kernel.Abstractions;

namespace DnsProbe161;

/// <summary>A router that refuses everything naming itself, so a test sees which plugin's router the host chose.</summary>
[Export(typeof(IAddressRouter))]
public sealed class DnsProbe161Router : IAddressRouter
{
    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new RouteDecision(
            new RouteResult.Reject(RejectReason.Blocked, "5.7.1", "DnsProbe161"), RelayVerdict.Deny("DnsProbe161"), []));
}
