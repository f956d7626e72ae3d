using System.Collections.Immutable;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Kernel.Bus;

/// <summary>
/// The in-process bus. <see cref="Publish{TEvent}"/> never blocks the publisher: handlers run on the thread pool,
/// one at a time per subscription in publish order, and a handler's exception is logged, not returned.
/// </summary>
public sealed class InProcessMessageBus(ILogger<InProcessMessageBus> logger) : IMessageBus
{
    private ImmutableList<Subscription> _subscriptions = ImmutableList<Subscription>.Empty;

    public void Publish<TEvent>(TEvent @event) where TEvent : KernelEvent
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.EventType.IsInstanceOfType(@event)) subscription.Enqueue(@event);
        }
    }

    public IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler) where TEvent : KernelEvent
    {
        var subscription = new Subscription(typeof(TEvent), (e, ct) => handler((TEvent)e, ct), logger, this);
        ImmutableInterlocked.Update(ref _subscriptions, list => list.Add(subscription));
        return subscription;
    }

    private void Remove(Subscription subscription) =>
        ImmutableInterlocked.Update(ref _subscriptions, list => list.Remove(subscription));

    private sealed class Subscription(Type eventType, Func<KernelEvent, CancellationToken, ValueTask> handler, ILogger logger, InProcessMessageBus bus) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Queue<KernelEvent> _pending = new();
        private readonly CancellationTokenSource _disposed = new();
        private bool _running;

        public Type EventType { get; } = eventType;

        public void Enqueue(KernelEvent @event)
        {
            lock (_gate)
            {
                if (_disposed.IsCancellationRequested) return;
                _pending.Enqueue(@event);
                if (_running) return;
                _running = true;
            }
            _ = Task.Run(DrainAsync);
        }

        private async Task DrainAsync()
        {
            while (true)
            {
                KernelEvent next;
                lock (_gate)
                {
                    if (_pending.Count == 0 || _disposed.IsCancellationRequested) { _running = false; return; }
                    next = _pending.Dequeue();
                }
                try
                {
                    await handler(next, _disposed.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !_disposed.IsCancellationRequested)
                {
                    logger.LogError(e, "bus handler for {Event} failed", next.GetType().Name);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public void Dispose()
        {
            bus.Remove(this);
            lock (_gate)
            {
                _pending.Clear();
                _disposed.Cancel();
            }
        }
    }
}
