using System.Collections.Concurrent;
using Kernel.Abstractions;

namespace Kernel.Tests.Accounts;

/// <summary>A bus that records what is published, and lets a test await an event with a bounded wait.</summary>
public sealed class RecordingBus : IMessageBus
{
    private readonly ConcurrentQueue<KernelEvent> _events = new();
    private readonly SemaphoreSlim _published = new(0);

    public IReadOnlyList<KernelEvent> Events => _events.ToArray();

    public IEnumerable<T> Of<T>() where T : KernelEvent => _events.OfType<T>();

    public void Publish<TEvent>(TEvent @event) where TEvent : KernelEvent
    {
        _events.Enqueue(@event);
        _published.Release();
    }

    public IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler) where TEvent : KernelEvent =>
        throw new NotSupportedException();

    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan timeout) where T : KernelEvent
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_events.OfType<T>().FirstOrDefault(match) is { } found) return found;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _published.WaitAsync(left))
            {
                if (_events.OfType<T>().FirstOrDefault(match) is { } late) return late;
                throw new TimeoutException($"no {typeof(T).Name} within {timeout}");
            }
        }
    }
}
