using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kernel.Tests.Mailboxes;

/// <summary>Keeps each log entry's level and structured fields.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, IReadOnlyDictionary<string, object?> Fields)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var fields = new Dictionary<string, object?>();
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs) fields[key] = value;
        }
        Entries.Enqueue((logLevel, fields));
    }
}
