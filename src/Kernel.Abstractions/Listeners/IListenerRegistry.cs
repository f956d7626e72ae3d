using System.Net;
using System.Net.Sockets;

namespace Kernel.Abstractions;

/// <summary>
/// Binds listeners the one way every plugin is configured: <c>&lt;Plugin&gt;:Listen</c> (or <c>&lt;Plugin&gt;:&lt;Role&gt;:Listen</c>)
/// is a list of <c>address:port</c>; without it the plugin's default port on 127.0.0.1 is used; port 0 takes a free
/// port. Each bound socket is logged as <c>listening &lt;plugin&gt;[/&lt;role&gt;] &lt;address:port&gt;</c>. Also knows the server's
/// own addresses (for "own IP literal" routing and loop detection).
/// </summary>
public interface IListenerRegistry
{
    /// <summary>Bound, listening TCP sockets for a plugin's service. The plugin accepts on them and closes them when it stops.</summary>
    IReadOnlyList<Socket> BindTcp(string plugin, string? role, int defaultPort);

    /// <summary>Bound UDP sockets for a plugin's service.</summary>
    IReadOnlyList<Socket> BindUdp(string plugin, string? role, int defaultPort);

    /// <summary>Forgets a plugin's listeners (the host calls it when a plugin stops).</summary>
    void Release(string plugin);

    IReadOnlyList<ListenerBinding> Bindings { get; }

    /// <summary>True for every address a listener is bound to, 127.0.0.1 and ::1 (router.md §2.2 N7).</summary>
    bool IsOwnAddress(IPAddress address);
}
