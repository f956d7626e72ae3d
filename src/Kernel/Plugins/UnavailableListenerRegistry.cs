using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>Stands in when the kernel services carry no <see cref="IListenerRegistry"/>: binding fails with a clear reason.</summary>
internal sealed class UnavailableListenerRegistry : IListenerRegistry
{
    public IReadOnlyList<Socket> BindTcp(string plugin, string? role, int defaultPort) =>
        throw new InvalidOperationException("this kernel has no listener registry; listeners cannot be bound");

    public IReadOnlyList<Socket> BindUdp(string plugin, string? role, int defaultPort) =>
        throw new InvalidOperationException("this kernel has no listener registry; listeners cannot be bound");

    public void Release(string plugin)
    {
    }

    public IReadOnlyList<ListenerBinding> Bindings => [];

    public bool IsOwnAddress(IPAddress address) => IPAddress.IsLoopback(address);
}
