using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;

namespace Kernel.Tests.Plugins;

/// <summary>A stand-in for the kernel's listener registry: every bind takes a free port on 127.0.0.1.</summary>
internal sealed class LoopbackListenerRegistry : IListenerRegistry
{
    private readonly List<(ListenerBinding Binding, Socket Socket)> _bound = [];

    public IReadOnlyList<Socket> BindTcp(string plugin, string? role, int defaultPort)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        lock (_bound) _bound.Add((new ListenerBinding(plugin, role, ProtocolType.Tcp, (IPEndPoint)socket.LocalEndPoint!), socket));
        return [socket];
    }

    public IReadOnlyList<Socket> BindUdp(string plugin, string? role, int defaultPort) => throw new NotSupportedException();

    public void Release(string plugin)
    {
        lock (_bound) _bound.RemoveAll(b => b.Binding.Plugin == plugin);
    }

    public IReadOnlyList<ListenerBinding> Bindings
    {
        get
        {
            lock (_bound) return _bound.Select(b => b.Binding).ToArray();
        }
    }

    public bool IsOwnAddress(IPAddress address) => IPAddress.IsLoopback(address);
}
