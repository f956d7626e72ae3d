using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;

namespace Kernel.Tests.Routing;

/// <summary>Only the server's own addresses (the real registry is another helper's work).</summary>
public sealed class FakeListenerRegistry(params IPAddress[] own) : IListenerRegistry
{
    public IReadOnlyList<ListenerBinding> Bindings => throw new NotSupportedException();

    public bool IsOwnAddress(IPAddress address) => own.Contains(address) || address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);

    public IReadOnlyList<Socket> BindTcp(string plugin, string? role, int defaultPort) => throw new NotSupportedException();

    public IReadOnlyList<Socket> BindUdp(string plugin, string? role, int defaultPort) => throw new NotSupportedException();

    public void Release(string plugin) => throw new NotSupportedException();
}
