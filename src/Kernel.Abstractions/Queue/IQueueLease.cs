namespace Kernel.Abstractions;

/// <summary>An exclusive hold on one target queue. Disposing it gives unfinished messages back to the queue.</summary>
public interface IQueueLease : IAsyncDisposable
{
    string Queue { get; }

    /// <summary>The next message due in this queue (held or not), or null when none remains.</summary>
    Task<OutboundMessage?> NextAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the outcome per recipient; delivered ones are done, temporary failures retry, permanent ones bounce.</summary>
    Task CompleteAsync(OutboundMessage message, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken = default);
}
