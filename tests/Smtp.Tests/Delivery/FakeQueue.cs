using Kernel.Abstractions;

namespace Smtp.Tests.Delivery;

/// <summary>A queue holding messages per target queue, with leases that record what the drain reported. Only what the turnaround uses.</summary>
public sealed class FakeQueue : IMessageQueue
{
    public Dictionary<string, List<OutboundMessage>> Held { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<(string Queue, string QueueId, IReadOnlyList<RecipientOutcome> Outcomes)> Completed { get; } = [];

    public HashSet<string> LeasedElsewhere { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Renewals;

    public List<string> LeasesTaken { get; } = [];

    public Task<IQueueLease?> LeaseQueueAsync(string queue, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (LeasedElsewhere.Contains(queue)) return Task.FromResult<IQueueLease?>(null);
        LeasesTaken.Add(queue);
        return Task.FromResult<IQueueLease?>(new Lease(this, queue, new Queue<OutboundMessage>(Held.GetValueOrDefault(queue) ?? [])));
    }

    private sealed class Lease(FakeQueue owner, string queue, Queue<OutboundMessage> messages) : IQueueLease
    {
        public string Queue => queue;

        public Task<OutboundMessage?> NextAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(messages.TryDequeue(out var m) ? m : null);

        public Task CompleteAsync(OutboundMessage message, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken = default)
        {
            lock (owner.Completed) owner.Completed.Add((queue, message.QueueId, outcomes));
            return Task.CompletedTask;
        }

        public Task<bool> RenewAsync(TimeSpan duration, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner.Renewals);
            return Task.FromResult(true);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public Task<IMessageSubmission> BeginSubmitAsync(Envelope envelope, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<SubmitResult> SubmitAsync(Envelope envelope, MessageBody body, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<string?> FindQueueForDomainAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<int> ReleaseAsync(string queue, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<QueueEntry>> ListAsync(string? queue = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<QueueEntry?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MessageBody?> OpenBodyAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<bool> RetryAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
