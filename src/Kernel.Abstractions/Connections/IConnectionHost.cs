namespace Kernel.Abstractions;

/// <summary>
/// The kernel's TCP hosting for one plugin (<see cref="IModuleContext.Connections"/>). The kernel owns the sockets,
/// the accept loops, the connection limits, the idle timeout, TLS and the drain on stop; a protocol plugin only
/// supplies a <see cref="ConnectionHandler"/> per listener role. Because the kernel owns the listening sockets, a newer
/// version of the plugin can take them over without a single refused connection.
/// </summary>
public interface IConnectionHost
{
    /// <summary>
    /// Binds <c>&lt;Plugin&gt;:Listen</c> (or <c>&lt;Plugin&gt;:&lt;Role&gt;:Listen</c>), a list of <c>address:port</c>; without it
    /// 127.0.0.1 on <see cref="ConnectionListenerOptions.DefaultPort"/>; port 0 takes a free port. Each bound socket is
    /// logged as <c>listening &lt;plugin&gt;[/&lt;role&gt;] &lt;address:port&gt;</c>. When an older version of this plugin
    /// still listens on the same role and endpoints (an upgrade in a running server), its sockets are handed over
    /// instead: new connections come here, its connections in flight finish on the old version.
    /// </summary>
    /// <exception cref="InvalidOperationException">This plugin already listens on the role, or it is stopping.</exception>
    IConnectionListener Listen(ConnectionListenerOptions options, ConnectionHandler handler);
}
