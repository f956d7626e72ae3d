using System.Collections.Immutable;
using System.Net;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;

namespace Kernel.Listeners;

/// <summary>
/// The server's bound listeners, as the kernel's connection hosting reports them, and the one reading of the listener
/// configuration design.md describes: <c>&lt;Plugin&gt;:Listen</c> or <c>&lt;Plugin&gt;:&lt;Role&gt;:Listen</c> is a list
/// of <c>address:port</c> (a single string is accepted too); without it, 127.0.0.1 on the plugin's standard port.
/// </summary>
public sealed class ListenerRegistry : IListenerRegistry
{
    private ImmutableList<ListenerBinding> _bound = ImmutableList<ListenerBinding>.Empty;

    public IReadOnlyList<ListenerBinding> Bindings => _bound;

    public void Add(IEnumerable<ListenerBinding> bindings) => ImmutableInterlocked.Update(ref _bound, list => list.AddRange(bindings));

    public void Remove(IEnumerable<ListenerBinding> bindings) => ImmutableInterlocked.Update(ref _bound, list => list.RemoveRange(bindings));

    public bool IsOwnAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        // router.md §2.2 N7: 127.0.0.1, ::1 and every address a listener is bound to — not the rest of 127.0.0.0/8,
        // where tests and operators run sibling MTAs (127.0.0.9 is another host).
        if (address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback)) return true;
        var wildcard = false;
        foreach (var binding in _bound)
        {
            var bound = binding.EndPoint.Address;
            if (bound.Equals(address)) return true;
            wildcard |= bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any);
        }
        // A listener on 0.0.0.0 or :: answers on every interface address: those are all ours.
        return wildcard && InterfaceAddresses().Contains(address);
    }

    private static HashSet<IPAddress> InterfaceAddresses()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses) addresses.Add(unicast.Address);
            }
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            // Unreadable interface list: only the explicit bindings count.
        }
        return addresses;
    }

    /// <summary>The configured endpoints of a plugin's service, or the default; a malformed entry is an error naming the key.</summary>
    public static IReadOnlyList<IPEndPoint> ConfiguredEndPoints(IConfiguration configuration, string plugin, string? role, int defaultPort)
    {
        var key = ListenKey(plugin, role);
        var section = configuration.GetSection(key);
        var entries = section.Value is { } single
            ? [single]
            : section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (entries.Count == 0) return [new IPEndPoint(IPAddress.Loopback, defaultPort)];
        var endPoints = new List<IPEndPoint>();
        foreach (var entry in entries)
        {
            if (!IPEndPoint.TryParse(entry.Trim(), out var endPoint) || !entry.Contains(':'))
                throw new ListenerConfigurationException($"{key}: '{entry}' is not address:port");
            endPoints.Add(endPoint);
        }
        return endPoints;
    }

    public static string ListenKey(string plugin, string? role) => role is null ? $"{plugin}:Listen" : $"{plugin}:{role}:Listen";

    /// <summary>How a listener appears in the log and to tests: <c>smtp</c>, <c>smtp/odmr</c>.</summary>
    public static string DisplayName(string plugin, string? role) =>
        role is null ? plugin.ToLowerInvariant() : $"{plugin.ToLowerInvariant()}/{role.ToLowerInvariant()}";
}
