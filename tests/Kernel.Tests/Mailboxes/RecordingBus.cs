using System.Collections.Concurrent;
using Kernel.Abstractions;

namespace Kernel.Tests.Mailboxes;

/// <summary>Records every published event, synchronously, for assertions.</summary>
internal sealed class RecordingBus : IMessageBus
{
    public ConcurrentQueue<KernelEvent> Published { get; } = new();

    public void Publish<TEvent>(TEvent @event) where TEvent : KernelEvent => Published.Enqueue(@event);

    public IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler) where TEvent : KernelEvent => throw new NotSupportedException();
}
