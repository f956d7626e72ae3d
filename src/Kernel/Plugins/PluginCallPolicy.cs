namespace Kernel.Plugins;

/// <summary>
/// The one failure policy for calls into plugins (router, rules, transport) — design.md: "every extension point has a
/// result vocabulary, a timeout and a failure policy". A call gets a deadline; <c>WaitAsync</c> ends the wait there even
/// when the plugin ignores its token; an exception or the deadline becomes a temporary failure with its reason. Only the
/// caller's own cancellation (the worker stopping) propagates.
/// </summary>
internal static class PluginCallPolicy
{
    public static async Task<PluginCallResult<T>> RunAsync<T>(string plugin, Func<CancellationToken, Task<T>> call, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(deadline);
        Task<T>? task = null;
        try
        {
            task = call(timer.Token);
            return PluginCallResult<T>.Success(await task.WaitAsync(timer.Token));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(task);
            throw;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            // The abandoned call may still fail later: observe it, so its exception is not reported as unobserved.
            Observe(task);
            return PluginCallResult<T>.Failed($"{plugin} did not answer within {deadline.TotalSeconds:0.###} s", null);
        }
        catch (Exception e)
        {
            return PluginCallResult<T>.Failed($"{plugin} failed: {e.Message}", e);
        }
    }

    private static void Observe(Task? task)
    {
        if (task is { IsCompleted: false })
            _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}

/// <summary>A plugin call's value, or why it failed temporarily.</summary>
internal readonly record struct PluginCallResult<T>(bool Succeeded, T? Value, string? Failure, Exception? Exception)
{
    public static PluginCallResult<T> Success(T value) => new(true, value, null, null);

    public static PluginCallResult<T> Failed(string reason, Exception? exception) => new(false, default, reason, exception);
}
