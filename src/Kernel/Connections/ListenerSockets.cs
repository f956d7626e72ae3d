using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;
using Kernel.Listeners;
using Microsoft.Extensions.Logging;

namespace Kernel.Connections;

/// <summary>
/// The kernel-owned listening sockets of one plugin role, with one accept loop each (an awaited accept, no polling).
/// Each accepted socket goes to the current <see cref="Owner"/>: the listener of the plugin version serving the role.
/// An upgrade changes the owner without closing anything, so no connection attempt is ever refused during it.
/// </summary>
internal sealed class ListenerSockets
{
    private readonly IReadOnlyList<Socket> _sockets;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private ConnectionListener? _owner;

    private ListenerSockets(string plugin, string? role, IReadOnlyList<IPEndPoint> configured, IReadOnlyList<Socket> sockets, ILogger logger)
    {
        Plugin = plugin;
        Role = role;
        Configured = configured;
        _sockets = sockets;
        _logger = logger;
        Bindings = sockets.Select(s => new ListenerBinding(plugin, role, ProtocolType.Tcp, (IPEndPoint)s.LocalEndPoint!)).ToArray();
    }

    public string Plugin { get; }

    public string? Role { get; }

    /// <summary>The endpoints as configured (port 0 unresolved): a successor takes over only when its configuration is the same.</summary>
    public IReadOnlyList<IPEndPoint> Configured { get; }

    public IReadOnlyList<ListenerBinding> Bindings { get; }

    public IReadOnlyList<IPEndPoint> EndPoints => Bindings.Select(b => b.EndPoint).ToArray();

    public ConnectionCounts Counts { get; } = new();

    public ConnectionListener? Owner => Volatile.Read(ref _owner);

    public string DisplayName => ListenerRegistry.DisplayName(Plugin, Role);

    /// <summary>Binds every endpoint, or none: a failure names the configuration key and closes what was bound.</summary>
    public static ListenerSockets Bind(string plugin, string? role, IReadOnlyList<IPEndPoint> configured, ILogger logger)
    {
        var sockets = new List<Socket>();
        try
        {
            foreach (var endPoint in configured)
            {
                var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                try
                {
                    socket.Bind(endPoint);
                    socket.Listen(512);
                }
                catch (SocketException e)
                {
                    // "Address already in use" alone does not tell the operator which setting to change.
                    throw new ListenerConfigurationException($"{ListenerRegistry.ListenKey(plugin, role)}: cannot listen on {endPoint}: {e.Message}", e);
                }
            }
            return new ListenerSockets(plugin, role, configured, sockets, logger);
        }
        catch
        {
            foreach (var socket in sockets) socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts accepting for <paramref name="owner"/>.</summary>
    public void Start(ConnectionListener owner)
    {
        Volatile.Write(ref _owner, owner);
        // The loops belong to the kernel, not to the plugin that asked: nothing of the plugin's execution context
        // may ride along (it would keep an unloaded plugin's load context alive).
        using (ExecutionContext.SuppressFlow())
        {
            foreach (var socket in _sockets) _ = Task.Run(() => AcceptLoopAsync(socket));
        }
    }

    /// <summary>A newer version of the plugin serves the role from now on (the caller holds the server's lock).</summary>
    public void HandOver(ConnectionListener owner) => Volatile.Write(ref _owner, owner);

    /// <summary>Stops accepting and closes the sockets, if <paramref name="owner"/> still owns them (the caller holds the server's lock).</summary>
    public bool CloseIfOwnedBy(ConnectionListener owner)
    {
        if (Interlocked.CompareExchange(ref _owner, null, owner) != owner) return false;
        _stop.Cancel();
        foreach (var socket in _sockets) socket.Dispose();
        return true;
    }

    private async Task AcceptLoopAsync(Socket listening)
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listening.AcceptAsync(token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors, or a client that reset before accept: not a reason to stop listening, but no hot loop either.
                _logger.LogWarning("accepting on {Listener} failed: {Reason}", DisplayName, e.Message);
                try
                {
                    await Task.Delay(100, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            var owner = Owner;
            if (owner is null)
            {
                client.Dispose();
                continue;
            }
            owner.Accept(client);
        }
    }
}
