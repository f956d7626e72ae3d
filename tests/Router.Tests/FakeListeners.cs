using System.Net;
using Kernel.Abstractions;

namespace Router.Tests;

/// <summary>Own addresses only (router.md §2.2 N7): 192.0.2.10 plus 127.0.0.1 and ::1 (not the rest of 127.0.0.0/8).</summary>
public sealed class FakeListeners : IListenerRegistry
{
    public static readonly IPAddress OwnIp = IPAddress.Parse("192.0.2.10");

    public IReadOnlyList<ListenerBinding> Bindings => [];

    public bool IsOwnAddress(IPAddress address) => address.Equals(OwnIp) || address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);
}
