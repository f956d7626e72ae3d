using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>
/// The delivery scheduler's lease on a target queue: the SDK's <see cref="IQueueLease"/> plus the one outcome a
/// transport plugin cannot report itself — its own failure (exception or deadline, <see cref="Plugins.PluginCallPolicy"/>).
/// Recorded apart from a remote server's 4xx (normal back-off, smtp.md §12) so that a recipient whose plugin keeps
/// failing is parked like one whose router or rules do (Delivery/Parking.cs), not retried until it expires.
/// </summary>
internal interface IDeliveryLease : IQueueLease
{
    /// <summary>
    /// The transport failed on <paramref name="message"/> (handed out by <see cref="IQueueLease.NextAsync"/>): each of its
    /// recipients is deferred on the back-off schedule with <paramref name="reason"/>, or parked once the plugin's
    /// failures in a row reach <see cref="QueueOptions.ParkAfterFailures"/> or have gone on for <see cref="QueueOptions.ParkAfter"/>.
    /// </summary>
    Task PluginFailedAsync(OutboundMessage message, string reason, CancellationToken cancellationToken = default);
}
