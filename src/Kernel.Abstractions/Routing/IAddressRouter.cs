namespace Kernel.Abstractions;

/// <summary>
/// Resolves mail, signal, access (login) and HTTP-host addresses and gives the relay verdict. Supplied by the Router
/// plugin; without one the kernel's default routes names in local domains (and their aliases) to local objects and
/// refuses everything else. Never throws for bad input: a malformed address is a <see cref="RouteResult.Reject"/>.
/// </summary>
public interface IAddressRouter
{
    ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default);
}
