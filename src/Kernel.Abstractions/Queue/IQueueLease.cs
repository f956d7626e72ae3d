namespace Kernel.Abstractions;

/// <summary>An exclusive hold on one target queue. Disposing it gives unfinished messages back to the queue.</summary>
public interface IQueueLease : IAsyncDisposable
{
    string Queue { get; }

    /// <summary>The next message due in this queue (held or not), or null when none remains. Renews the lease.</summary>
    Task<OutboundMessage?> NextAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the outcome per recipient; delivered ones are done, temporary failures retry, permanent ones bounce. Renews the lease.</summary>
    Task CompleteAsync(OutboundMessage message, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the lease to <paramref name="duration"/> from now (and makes that the duration later renewals use), so a
    /// transfer slower than the lease (a large message over an ATRN connection) keeps it. False when the lease had
    /// expired and another holder took the queue: stop draining, the other holder owns the messages now.
    /// </summary>
    Task<bool> RenewAsync(TimeSpan duration, CancellationToken cancellationToken = default);
}
