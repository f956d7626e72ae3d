using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Listeners;

/// <summary>
/// Binds every plugin's listeners the one way design.md describes: <c>&lt;Plugin&gt;:Listen</c> or
/// <c>&lt;Plugin&gt;:&lt;Role&gt;:Listen</c> is a list of <c>address:port</c> (a single string is accepted too); without it,
/// 127.0.0.1 on the plugin's standard port. Each bound socket is logged as <c>listening plugin[/role] address:port</c>
/// with the real port, which is how tests and scripts find ports taken with port 0.
/// </summary>
public sealed class ListenerRegistry(IConfiguration configuration, ILogger<ListenerRegistry> logger) : IListenerRegistry
{
    private ImmutableList<(ListenerBinding Binding, Socket Socket)> _bound = ImmutableList<(ListenerBinding, Socket)>.Empty;

    public IReadOnlyList<ListenerBinding> Bindings => _bound.Select(b => b.Binding).ToList();

    public IReadOnlyList<Socket> BindTcp(string plugin, string? role, int defaultPort) =>
        Bind(plugin, role, defaultPort, ProtocolType.Tcp);

    public IReadOnlyList<Socket> BindUdp(string plugin, string? role, int defaultPort) =>
        Bind(plugin, role, defaultPort, ProtocolType.Udp);

    public void Release(string plugin) =>
        ImmutableInterlocked.Update(ref _bound, list => list.RemoveAll(b => string.Equals(b.Binding.Plugin, plugin, StringComparison.OrdinalIgnoreCase)));

    public bool IsOwnAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        // router.md §2.2 N7: 127.0.0.1, ::1 and every address a listener is bound to — not the rest of 127.0.0.0/8,
        // where tests and operators run sibling MTAs (127.0.0.9 is another host).
        if (address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback)) return true;
        var wildcard = false;
        foreach (var (binding, _) in _bound)
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
    public IReadOnlyList<IPEndPoint> ConfiguredEndPoints(string plugin, string? role, int defaultPort)
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

    private static string ListenKey(string plugin, string? role) => role is null ? $"{plugin}:Listen" : $"{plugin}:{role}:Listen";

    private IReadOnlyList<Socket> Bind(string plugin, string? role, int defaultPort, ProtocolType protocol)
    {
        var sockets = new List<Socket>();
        var added = new List<(ListenerBinding, Socket)>();
        try
        {
            foreach (var endPoint in ConfiguredEndPoints(plugin, role, defaultPort))
            {
                var socket = protocol == ProtocolType.Tcp
                    ? new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
                    : new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                sockets.Add(socket);
                if (protocol == ProtocolType.Tcp) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                try
                {
                    socket.Bind(endPoint);
                    if (protocol == ProtocolType.Tcp) socket.Listen(512);
                }
                catch (SocketException e)
                {
                    // "Address already in use" alone does not tell the operator which setting to change.
                    throw new ListenerConfigurationException($"{ListenKey(plugin, role)}: cannot listen on {endPoint}: {e.Message}", e);
                }
                var bound = (IPEndPoint)socket.LocalEndPoint!;
                var binding = new ListenerBinding(plugin, role, protocol, bound);
                added.Add((binding, socket));
                ImmutableInterlocked.Update(ref _bound, list => list.Add((binding, socket)));
                var name = role is null ? plugin.ToLowerInvariant() : $"{plugin.ToLowerInvariant()}/{role.ToLowerInvariant()}";
                logger.LogInformation("listening {Listener} {EndPoint}", name, bound);
            }
            return sockets;
        }
        catch
        {
            foreach (var socket in sockets) socket.Dispose();
            ImmutableInterlocked.Update(ref _bound, list => list.RemoveRange(added));
            throw;
        }
    }
}
