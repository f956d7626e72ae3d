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

    /// <summary>router.md §2.2 N7 with no listener bound: 127.0.0.1 and ::1 only, not the rest of 127.0.0.0/8.</summary>
    public bool IsOwnAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);
    }
}
