namespace Kernel.Abstractions;

/// <summary>
/// The durable queue. A submission returns only after body and envelope are on disk (fsync, committed transaction).
/// Kernel workers route each recipient: local ones are delivered to mailboxes, remote ones wait in their target's
/// queue for the transport, held ones until released. Retries, back-off, expiry and bounces are the kernel's.
/// </summary>
public interface IMessageQueue
{
    /// <summary>Runs the server-wide rules, then stores the message durably. Throws only for invalid envelopes or storage failure.</summary>
    Task<SubmitResult> SubmitAsync(Envelope envelope, MessageBody body, CancellationToken cancellationToken = default);

    /// <summary>Releases a held (or backed-off) target queue for delivery now (ETRN); returns how many messages it holds.</summary>
    Task<int> ReleaseAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>
    /// An exclusive lease on one target queue (ATRN: one session drains a queue at a time). Null when another holder has it.
    /// The lease expires unless renewed, so a crashed holder never strands messages.
    /// </summary>
    Task<IQueueLease?> LeaseQueueAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<QueueEntry>> ListAsync(string? queue = null, CancellationToken cancellationToken = default);

    Task<QueueEntry?> GetAsync(string id, CancellationToken cancellationToken = default);

    Task<MessageBody?> OpenBodyAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Makes every pending recipient of the message due now.</summary>
    Task<bool> RetryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Removes the message without a DSN.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
