using System.Net;
using System.Net.Sockets;

namespace Smtp.Server;

/// <summary>
/// The server setting <c>Network.ClientIpAddresses</c> in the Guide's network-list format (smtp.md §5.1): entries
/// separated by commas or new lines, each an address, <c>a-b</c> or <c>address/bits</c>, <c>!</c> excludes,
/// <c>;</c> starts a comment; the first entry holding the address decides. The session needs it to say whether its
/// client is Trusted (the source class the Router's relay verdict reads) and whether clear-text AUTH is allowed.
/// </summary>
internal sealed class ClientAddressList
{
    public const string Default = "127.0.0.1, ::1";

    private readonly List<(bool Exclude, UInt128 Low, UInt128 High, bool V6)> _ranges = [];

    public ClientAddressList(string? text)
    {
        foreach (var raw in (text ?? Default).Split('\n', ','))
        {
            var entry = raw.Split(';')[0].Trim();
            if (entry.Length == 0) continue;
            var exclude = entry[0] == '!';
            if (exclude) entry = entry[1..].Trim();
            if (TryParseRange(entry, out var low, out var high, out var v6)) _ranges.Add((exclude, low, high, v6));
        }
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var value = ToNumber(address);
        foreach (var (exclude, low, high, rangeV6) in _ranges)
        {
            if (rangeV6 == v6 && value >= low && value <= high) return !exclude;
        }
        return false;
    }

    private static bool TryParseRange(string entry, out UInt128 low, out UInt128 high, out bool v6)
    {
        low = high = 0;
        v6 = false;
        var parts = entry.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2)
        {
            if (!TryAddress(parts[0], out var a) || !TryAddress(parts[1], out var b) || a!.AddressFamily != b!.AddressFamily) return false;
            (low, high, v6) = (ToNumber(a), ToNumber(b), a.AddressFamily == AddressFamily.InterNetworkV6);
            if (low > high) (low, high) = (high, low);
            return true;
        }
        var slash = entry.Split('/', 2, StringSplitOptions.TrimEntries);
        if (!TryAddress(slash[0], out var ip)) return false;
        v6 = ip!.AddressFamily == AddressFamily.InterNetworkV6;
        var width = v6 ? 128 : 32;
        var bits = width;
        if (slash.Length == 2 && (!int.TryParse(slash[1], out bits) || bits < 0 || bits > width)) return false;
        var hostMask = bits == width ? UInt128.Zero : (UInt128.One << (width - bits)) - 1;
        low = ToNumber(ip) & ~hostMask;
        high = low | hostMask;
        return true;
    }

    private static bool TryAddress(string text, out IPAddress? address)
    {
        if (!IPAddress.TryParse(text, out address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return true;
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        UInt128 value = 0;
        foreach (var b in address.GetAddressBytes()) value = (value << 8) | b;
        return value;
    }
}
