using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Queue;

/// <summary>The pipeline's view of this queue (<see cref="IQueueBackend"/>): the row calls go to <see cref="SqliteQueueStore"/>.</summary>
public sealed partial class SqliteMessageQueue : IQueueBackend
{
    QueueOptions IQueueBackend.Options => Options;

    TimeProvider IQueueBackend.Time => Time;

    long IQueueBackend.Now => Now;

    event Action? IQueueBackend.WorkArrived
    {
        add => WorkArrived += value;
        remove => WorkArrived -= value;
    }

    void IQueueBackend.Wake() => Wake();

    Task<SubmitResult> IQueueBackend.SubmitInternalAsync(Envelope envelope, Func<Stream> content, bool runRules, CancellationToken cancellationToken, string? generatedKey) =>
        SubmitInternalAsync(envelope, content, runRules, cancellationToken, generatedKey);

    bool IQueueBackend.WasGenerated(string key) => Store.HasGeneratedKey(key);

    IReadOnlyList<QueuedMessage> IQueueBackend.ClaimUnrouted(string owner, long now, long leaseUntil, int limit) => Store.ClaimUnrouted(owner, now, leaseUntil, limit);

    (IReadOnlySet<string> Lost, IReadOnlyList<string> DeadBodies) IQueueBackend.CompleteRouting(string owner, IReadOnlyList<RecipientUpdate> updates,
        IReadOnlyDictionary<string, long?> retryAt) => Store.CompleteRouting(owner, updates, retryAt);

    IReadOnlyList<string> IQueueBackend.LeaseHolders() => Store.LeaseHolders();

    (int Messages, int Queues) IQueueBackend.ReleaseLeasesOf(string holder) => Store.ReleaseLeasesOf(holder);

    IReadOnlyList<(string Queue, string Target)> IQueueBackend.DueQueues(long now, int limit) => Store.DueQueues(now, limit);

    long? IQueueBackend.NextWakeUp() => Store.NextWakeUp();

    bool IQueueBackend.RecordOutcomes(string messageId, IReadOnlyList<RecipientUpdate> updates) => Store.RecordOutcomes(messageId, updates);

    IReadOnlyList<QueuedMessage> IQueueBackend.Expired(long cutoff, long now, int limit) => Store.Expired(cutoff, now, limit);

    IReadOnlySet<string> IQueueBackend.Addresses(string messageId) => Store.Addresses(messageId);

    IReadOnlyList<QueuedMessage> IQueueBackend.PendingDsns(int limit) => Store.PendingDsns(limit);

    void IQueueBackend.DsnSent(string messageId, IReadOnlyList<long> idxs, DsnPending kind) => Store.DsnSent(messageId, idxs, kind);

    string? IQueueBackend.BodyProblem(MessageRow message) => Store.BodyProblem(message);

    StoredBody IQueueBackend.OpenBody(MessageRow message) => Store.Bodies.Open(message.BodyId, message.BodySize);

    Task<StoredBody> IQueueBackend.WriteBodyAsync(Stream content, CancellationToken cancellationToken) => Store.Bodies.WriteAsync(content, cancellationToken);

    async Task<IDeliveryLease?> IQueueBackend.LeaseForDeliveryAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken) =>
        await LeaseCoreAsync(queue, holder, duration, includeHeld: false, cancellationToken);
}
