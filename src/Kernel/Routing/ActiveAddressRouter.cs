using Kernel.Abstractions;
using Kernel.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Routing;

/// <summary>
/// The <see cref="IAddressRouter"/> every kernel service and plugin is given: it asks whichever router is active
/// right now (the Router plugin's, else the kernel default), so a router plugin loaded or unloaded at run time takes
/// effect without anyone holding a stale reference. Resolved lazily because the plugin host itself needs kernel services.
/// </summary>
public sealed class ActiveAddressRouter(IServiceProvider services) : IAddressRouter
{
    private IKernelExtensions? _extensions;

    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
    {
        _extensions ??= services.GetRequiredService<IKernelExtensions>();
        return _extensions.Router.RouteAsync(request, cancellationToken);
    }
}
