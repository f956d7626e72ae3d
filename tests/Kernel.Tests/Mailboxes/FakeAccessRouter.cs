using Kernel.Abstractions;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Minimal IAddressRouter for the mailbox tests: Access lookups only, resolving domain aliases and account aliases of
/// <see cref="FakeAccountStore"/> to Local; anything else is rejected. The real DefaultAddressRouter replaces it at merge.
/// </summary>
internal sealed class FakeAccessRouter(FakeAccountStore accounts) : IAddressRouter
{
    public int Lookups { get; private set; }

    public async ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
    {
        Lookups++;
        var reject = new RouteDecision(new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", "unknown"), RelayVerdict.Deny("test"), []);
        if (request.Kind != RouteKind.Access) return reject;
        var at = request.Address.LastIndexOf('@');
        if (at <= 0) return reject;
        var domain = await accounts.ResolveDomainAsync(request.Address[(at + 1)..], cancellationToken);
        if (domain is null || !ObjectName.IsValid(request.Address[..at])) return reject;
        var address = new AccountAddress(request.Address[..at], domain);
        address = accounts.AliasTarget(address) ?? address;
        return accounts.HasAccount(address)
            ? new RouteDecision(new RouteResult.Local(address), RelayVerdict.Allow("test"), [])
            : reject;
    }
}
