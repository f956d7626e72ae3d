namespace Kernel.Abstractions;

/// <summary>
/// The durable queue. A submission is accepted only after body and envelope are on disk (fsync, committed transaction).
/// Kernel workers route each recipient: local ones are delivered to mailboxes, remote ones wait in their target's
/// queue for the transport, held ones until released. Retries, back-off, expiry and bounces are the kernel's.
/// </summary>
public interface IMessageQueue
{
    /// <summary>
    /// Starts a streamed submission (SMTP DATA/BDAT): write the body as it arrives, then commit or dispose to abort.
    /// The envelope is checked here, before any byte is written. Throws <see cref="ArgumentException"/> only for a
    /// programming error: a null envelope or source, no recipient, more recipients than the queue allows, or a
    /// sender or recipient that is not an address (a protocol validates addresses before it accepts them).
    /// </summary>
    Task<IMessageSubmission> BeginSubmitAsync(Envelope envelope, CancellationToken cancellationToken = default);

    /// <summary>
    /// Submits a complete body: the same path as <see cref="BeginSubmitAsync"/> with the body copied in once. Returns
    /// a rejection (permanent or temporary, with its RFC 3463 code) instead of throwing; throws
    /// <see cref="ArgumentException"/> only for the programming errors <see cref="BeginSubmitAsync"/> names (and a
    /// null body), and <see cref="OperationCanceledException"/> when cancelled before the commit.
    /// </summary>
    Task<SubmitResult> SubmitAsync(Envelope envelope, MessageBody body, CancellationToken cancellationToken = default);

    /// <summary>
    /// The target queue the delivery pipeline puts mail for <paramref name="domain"/> into (smtp.md §8: routes
    /// <c>postmaster@domain</c> as a Mail address from an internal source through the current router), so ETRN/ATRN
    /// for a domain routed into another queue finds that queue. Null when the domain is local, or the router refuses
    /// or discards it. Throws <see cref="ArgumentException"/> for an empty domain, and
    /// <see cref="InvalidOperationException"/> (its message says why; the router's own exception, if any, as
    /// <see cref="Exception.InnerException"/>) when the router fails or does not answer within the kernel's router
    /// deadline: a temporary condition for the caller (ETRN 458, RFC 1985), not an unknown queue.
    /// </summary>
    Task<string?> FindQueueForDomainAsync(string domain, CancellationToken cancellationToken = default);

    /// <summary>Releases a held (or backed-off) target queue for delivery now (ETRN); returns how many messages it holds.</summary>
    Task<int> ReleaseAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>
    /// An exclusive lease on one target queue (ATRN: one session drains a queue at a time). Null when another holder has it.
    /// The lease expires unless renewed (<see cref="IQueueLease.RenewAsync"/>), so a crashed holder never strands messages.
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
