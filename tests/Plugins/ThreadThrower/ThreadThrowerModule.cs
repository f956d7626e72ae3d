using Kernel.Abstractions;

namespace ThreadThrower;

/// <summary>
/// Its StartAsync succeeds, then a thread of its own throws (issue 8 §3): in .NET that ends the process. The host must
/// name this plugin before it dies and set it aside on the next start. <c>ThreadThrower:DelayMs</c> delays the throw.
/// </summary>
[Module("ThreadThrower", "1.0.0")]
public sealed class ThreadThrowerModule : IModule
{
    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        var delay = int.TryParse(context.Settings["DelayMs"], out var ms) ? ms : 500;
        new Thread(() => Explode(delay)) { IsBackground = true, Name = "ThreadThrower" }.Start();
        return Task.CompletedTask;
    }

    private static void Explode(int delay)
    {
        Thread.Sleep(delay);
        throw new InvalidOperationException("thread thrower goes off");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
