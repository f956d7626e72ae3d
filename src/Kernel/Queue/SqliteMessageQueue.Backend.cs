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

    Task<bool> IQueueBackend.WasGeneratedAsync(string key) => Store.HasGeneratedKeyAsync(key);

    Task<IReadOnlyList<QueuedMessage>> IQueueBackend.ClaimUnroutedAsync(string owner, long now, long leaseUntil, int limit) => Store.ClaimUnroutedAsync(owner, now, leaseUntil, limit);

    Task<(IReadOnlySet<string> Lost, IReadOnlyList<string> DeadBodies)> IQueueBackend.CompleteRoutingAsync(string owner, IReadOnlyList<RecipientUpdate> updates,
        IReadOnlyDictionary<string, long?> retryAt) => Store.CompleteRoutingAsync(owner, updates, retryAt);

    Task<IReadOnlyList<string>> IQueueBackend.LeaseHoldersAsync() => Store.LeaseHoldersAsync();

    Task<(int Messages, int Queues)> IQueueBackend.ReleaseLeasesOfAsync(string holder) => Store.ReleaseLeasesOfAsync(holder);

    Task<IReadOnlyList<(string Queue, string Target)>> IQueueBackend.DueQueuesAsync(long now, int limit) => Store.DueQueuesAsync(now, limit);

    Task<long?> IQueueBackend.NextWakeUpAsync() => Store.NextWakeUpAsync();

    Task<bool> IQueueBackend.RecordOutcomesAsync(string messageId, IReadOnlyList<RecipientUpdate> updates) => Store.RecordOutcomesAsync(messageId, updates);

    Task<IReadOnlyList<QueuedMessage>> IQueueBackend.ExpiredAsync(long cutoff, long now, int limit) => Store.ExpiredAsync(cutoff, now, limit);

    Task<IReadOnlySet<string>> IQueueBackend.AddressesAsync(string messageId) => Store.AddressesAsync(messageId);

    Task<IReadOnlyList<QueuedMessage>> IQueueBackend.PendingDsnsAsync(int limit) => Store.PendingDsnsAsync(limit);

    Task IQueueBackend.DsnSentAsync(string messageId, IReadOnlyList<long> idxs, DsnPending kind) => Store.DsnSentAsync(messageId, idxs, kind);

    string? IQueueBackend.BodyProblem(MessageRow message) => Store.BodyProblem(message);

    StoredBody IQueueBackend.OpenBody(MessageRow message) => Store.Bodies.Open(message.BodyId, message.BodySize);

    Task<StoredBody> IQueueBackend.WriteBodyAsync(Stream content, CancellationToken cancellationToken) => Store.Bodies.WriteAsync(content, cancellationToken);

    async Task<IDeliveryLease?> IQueueBackend.LeaseForDeliveryAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken) =>
        await LeaseCoreAsync(queue, holder, duration, includeHeld: false, cancellationToken);
}
