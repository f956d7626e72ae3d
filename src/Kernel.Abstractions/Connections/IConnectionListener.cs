using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// One listener role of a plugin. Disposing it stops accepting, fires the handlers' cancellation token, waits for
/// them (bounded) and closes what is left. The kernel does the same by itself when the plugin stops or unloads, so a
/// plugin need not dispose its listeners in <see cref="IModule.StopAsync"/>.
/// </summary>
public interface IConnectionListener : IAsyncDisposable
{
    /// <summary><c>null</c> for the plugin's main service (<c>&lt;Plugin&gt;:Listen</c>).</summary>
    string? Role { get; }

    /// <summary>The bound addresses with their real ports (port 0 resolved).</summary>
    IReadOnlyList<IPEndPoint> EndPoints { get; }
}
