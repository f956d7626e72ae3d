using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>
/// Where the plugin host asks, before it stops and unloads a plugin, that the plugin's mail transports finish the
/// deliveries in flight. The delivery worker registers itself here while it runs; the host's wait is bounded by its
/// stop deadline. A class without dependencies, so the host can resolve it in any process (the CLI has no worker).
/// </summary>
public sealed class TransportDeliveries
{
    private volatile Func<IReadOnlyCollection<IMailTransport>, CancellationToken, Task>? _waiter;

    /// <summary>Set by the running delivery worker; null when none runs.</summary>
    internal void Register(Func<IReadOnlyCollection<IMailTransport>, CancellationToken, Task>? waiter) => _waiter = waiter;

    /// <summary>Stops new deliveries through <paramref name="transports"/> and waits for those in flight (cancel to stop waiting).</summary>
    public Task WaitForDeliveriesAsync(IReadOnlyCollection<IMailTransport> transports, CancellationToken cancellationToken) =>
        transports.Count == 0 || _waiter is not { } waiter ? Task.CompletedTask : waiter(transports, cancellationToken);
}
