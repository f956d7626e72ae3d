namespace Kernel.Abstractions;

/// <summary>
/// Serves one accepted connection. <paramref name="cancellationToken"/> fires when the server drains this listener
/// (stop, unload, or an upgrade handing the listener to a newer version): write a goodbye if the protocol has one
/// (<c>421 4.3.2 Shutting down</c>) and return. When the handler returns, the kernel flushes the output and closes
/// the connection gracefully. Exceptions are logged against the plugin and never reach the client; an
/// <see cref="IOException"/> from a connection the peer or the idle timeout closed is not an error.
/// </summary>
public delegate Task ConnectionHandler(IConnection connection, CancellationToken cancellationToken);
