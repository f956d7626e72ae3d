using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>
/// The <see cref="IAddressRouter"/> exported into every plugin's container: it asks the extensions at each call, so a
/// plugin that imports the router always reaches the current choice (a Router plugin loaded later, or the default).
/// </summary>
internal sealed class CurrentRouter(IKernelExtensions extensions) : IAddressRouter
{
    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
        extensions.Router.RouteAsync(request, cancellationToken);
}
