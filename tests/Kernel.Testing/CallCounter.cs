using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Kernel.Testing;

/// <summary>
/// Counts the calls made through an interface to a real implementation (how often a store asks the directory for
/// administrator rights, how often it routes a name) without writing a fake: a <see cref="DispatchProxy"/> that
/// forwards every call unchanged.
/// </summary>
public class CallCounter<T> : DispatchProxy where T : class
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private T? _inner;

    /// <summary>A <typeparamref name="T"/> that forwards to <paramref name="inner"/>, and the counter that sees its calls.</summary>
    public static (T Proxy, CallCounter<T> Counter) Wrap(T inner)
    {
        var proxy = Create<T, CallCounter<T>>();
        var counter = (CallCounter<T>)(object)proxy;
        counter._inner = inner;
        return (proxy, counter);
    }

    /// <summary>Calls of the member named <paramref name="method"/> so far.</summary>
    public int Count(string method) => _counts.GetValueOrDefault(method);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _counts.AddOrUpdate(targetMethod.Name, 1, (_, n) => n + 1);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
