using System.Collections.Concurrent;
using Kernel.Abstractions;
using Kernel.Bus;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Mailboxes;

/// <summary>Records every published event, synchronously, for assertions, and hands it on to subscribers as the real bus does.</summary>
internal sealed class RecordingBus : IMessageBus
{
    private readonly InProcessMessageBus _inner = new(NullLogger<InProcessMessageBus>.Instance);

    public ConcurrentQueue<KernelEvent> Published { get; } = new();

    public void Publish<TEvent>(TEvent @event) where TEvent : KernelEvent
    {
        Published.Enqueue(@event);
        _inner.Publish(@event);
    }

    public IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler) where TEvent : KernelEvent => _inner.Subscribe(handler);
}
