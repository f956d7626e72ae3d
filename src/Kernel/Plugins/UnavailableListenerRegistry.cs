using System.Net;
using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>Stands in when the kernel services carry no <see cref="IListenerRegistry"/>: nothing is bound, only loopback is own.</summary>
internal sealed class UnavailableListenerRegistry : IListenerRegistry
{
    public IReadOnlyList<ListenerBinding> Bindings => [];

    /// <summary>router.md §2.2 N7 with no listener bound: 127.0.0.1 and ::1 only, not the rest of 127.0.0.0/8.</summary>
    public bool IsOwnAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);
    }
}
