using Kernel.Abstractions;

namespace Kernel.Tests.Queue.Fakes;

/// <summary>
/// Routes by domain: <c>test.dom</c> is local, <c>held.dom</c> remote into a held queue, <c>remote.dom</c> remote,
/// <c>group@test.dom</c> a group, <c>discard@…</c> discarded, <c>unknown@test.dom</c> rejected 5.1.1. A delegate may override.
/// </summary>
public sealed class FakeRouter : IAddressRouter
{
    public Func<string, RouteResult?>? Override { get; set; }

    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new RouteDecision(Route(request.Address), RelayVerdict.Allow("test"), []));

    private RouteResult Route(string address)
    {
        if (Override?.Invoke(address) is { } custom) return custom;
        var at = address.LastIndexOf('@');
        var (name, domain) = (address[..at].ToLowerInvariant(), address[(at + 1)..].ToLowerInvariant());
        return (name, domain) switch
        {
            ("discard", _) => new RouteResult.Discard(),
            ("unknown", "test.dom") => new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", "unknown user"),
            ("group", "test.dom") => new RouteResult.Group(new AccountAddress(name, domain)),
            (_, "test.dom") => new RouteResult.Local(new AccountAddress(name, domain)),
            (_, "held.dom") => new RouteResult.Remote("SMTP", "held.dom", "held.dom", null, false, false, address, Held: true),
            _ => new RouteResult.Remote("SMTP", domain, domain, null, false, false, address),
        };
    }
}
