using System.Net;
using Kernel.Abstractions;
using Kernel.Routing;

namespace Kernel.Plugins;

/// <summary>
/// The <see cref="IAddressRouter"/> exported into every plugin's container: it asks the extensions at each call, so a
/// plugin that imports the router always reaches the current choice (a Router plugin loaded later, or the default).
/// It is also the <see cref="ISourceClassifier"/> plugins import: the active router classifies when it can, else the
/// kernel default does.
/// </summary>
internal sealed class CurrentRouter(IKernelExtensions extensions) : IAddressRouter, ISourceClassifier
{
    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
        extensions.Router.RouteAsync(request, cancellationToken);

    private ISourceClassifier Classifier => extensions.Router as ISourceClassifier ?? DefaultSourceClassifier.Instance;

    public bool IsClientAddress(IPAddress? clientIp) => Classifier.IsClientAddress(clientIp);

    public SourceClass Classify(RequestSource source) => Classifier.Classify(source);
}
