using System.Net;
using Kernel.Abstractions;

namespace Kernel.Tests.Routing;

/// <summary>Only the server's own addresses (the real registry is another helper's work).</summary>
public sealed class FakeListenerRegistry(params IPAddress[] own) : IListenerRegistry
{
    public IReadOnlyList<ListenerBinding> Bindings => throw new NotSupportedException();

    public bool IsOwnAddress(IPAddress address) => own.Contains(address) || address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);
}
