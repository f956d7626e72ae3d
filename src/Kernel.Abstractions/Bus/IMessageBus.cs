namespace Kernel.Abstractions;

/// <summary>
/// In-process publish/subscribe of <see cref="KernelEvent"/>s. Handlers run after the publisher's work is durable;
/// a handler's exception is logged, never returned to the publisher. Dispose the subscription to stop receiving.
/// </summary>
public interface IMessageBus
{
    void Publish<TEvent>(TEvent @event) where TEvent : KernelEvent;

    IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler) where TEvent : KernelEvent;
}
