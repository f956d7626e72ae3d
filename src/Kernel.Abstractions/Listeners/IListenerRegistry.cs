using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// The server's bound listeners and own addresses (for "own IP literal" routing and loop detection). Listeners are
/// bound by the kernel (<see cref="IModuleContext.Connections"/>), never by a plugin: <c>&lt;Plugin&gt;:Listen</c> (or
/// <c>&lt;Plugin&gt;:&lt;Role&gt;:Listen</c>) is a list of <c>address:port</c>, each bound socket logged as
/// <c>listening &lt;plugin&gt;[/&lt;role&gt;] &lt;address:port&gt;</c>.
/// </summary>
public interface IListenerRegistry
{
    IReadOnlyList<ListenerBinding> Bindings { get; }

    /// <summary>True for every address a listener is bound to, 127.0.0.1 and ::1 (router.md §2.2 N7).</summary>
    bool IsOwnAddress(IPAddress address);
}
