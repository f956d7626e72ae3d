using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Queue;

/// <summary>
/// What the delivery pipeline (Kernel.Delivery stages) needs from a queue's storage: claim and complete routing,
/// leases, outcomes, DSN bookkeeping, expiry, bodies and internal submissions. No storage type appears here, so a
/// second provider (PostgreSQL, design.md "Storage") implements this in new files and the stages stay as they are.
/// Row calls are asynchronous (async Dapper on the embedded store; a server database's driver does real I/O there).
/// </summary>
internal interface IQueueBackend
{
    QueueOptions Options { get; }

    TimeProvider Time { get; }

    /// <summary>Now in Unix milliseconds, from <see cref="Time"/>.</summary>
    long Now { get; }

    /// <summary>Raised after new work became due (a commit, a release, a retry).</summary>
    event Action? WorkArrived;

    /// <summary>Raises <see cref="WorkArrived"/>.</summary>
    void Wake();

    Task<IReadOnlyList<QueuedMessage>> ClaimUnroutedAsync(string owner, long now, long leaseUntil, int limit);

    Task<(IReadOnlySet<string> Lost, IReadOnlyList<string> DeadBodies)> CompleteRoutingAsync(string owner, IReadOnlyList<RecipientUpdate> updates, IReadOnlyDictionary<string, long?> retryAt);

    Task<IReadOnlyList<string>> LeaseHoldersAsync();

    Task<(int Messages, int Queues)> ReleaseLeasesOfAsync(string holder);

    Task<IReadOnlyList<(string Queue, string Target)>> DueQueuesAsync(long now, int limit);

    Task<long?> NextWakeUpAsync();

    Task<bool> RecordOutcomesAsync(string messageId, IReadOnlyList<RecipientUpdate> updates);

    Task<IReadOnlyList<QueuedMessage>> ExpiredAsync(long cutoff, long now, int limit);

    Task<IReadOnlySet<string>> AddressesAsync(string messageId);

    Task<IReadOnlyList<QueuedMessage>> PendingDsnsAsync(int limit);

    Task DsnSentAsync(string messageId, IReadOnlyList<long> idxs, DsnPending kind);

    /// <summary>Why a message's body cannot be read, naming it; null when it is whole.</summary>
    string? BodyProblem(MessageRow message);

    StoredBody OpenBody(MessageRow message);

    /// <summary>Stores a new body (a rule's edited copy) and returns it.</summary>
    Task<StoredBody> WriteBodyAsync(Stream content, CancellationToken cancellationToken);

    /// <summary>
    /// The server's own submissions (DSNs, rule copies, replies); <paramref name="content"/> is read once. A
    /// <paramref name="generatedKey"/> is stored with the new message in its transaction (see <see cref="WasGeneratedAsync"/>).
    /// </summary>
    Task<SubmitResult> SubmitInternalAsync(Envelope envelope, Func<Stream> content, bool runRules, CancellationToken cancellationToken, string? generatedKey = null);

    /// <summary>Whether a message was already submitted with this key: a rule copy made before a crash is not made again.</summary>
    Task<bool> WasGeneratedAsync(string key);

    /// <summary>The scheduler's lease on a target queue: held recipients stay where they are.</summary>
    Task<IDeliveryLease?> LeaseForDeliveryAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken);
}
