using System.Net;
using System.Net.Sockets;

namespace Router;

/// <summary>
/// The Guide's network-list format (smtp.md §5.1): one address, a range <c>a-b</c> or <c>address/bits</c> per entry,
/// <c>!</c> in front excludes, <c>;</c> starts a comment. Entries are separated by new lines or commas. The first entry
/// that contains an address decides. Unparsable entries are ignored (and reported by <see cref="Errors"/>).
/// </summary>
internal sealed class NetworkList
{
    private readonly List<(bool Exclude, byte[] Low, byte[] High)> _entries = [];

    public NetworkList(string? text)
    {
        foreach (var raw in (text ?? "").Split('\n', ','))
        {
            var entry = raw;
            var comment = entry.IndexOf(';');
            if (comment >= 0) entry = entry[..comment];
            entry = entry.Trim();
            if (entry.Length == 0) continue;
            var exclude = entry.StartsWith('!');
            if (exclude) entry = entry[1..].Trim();
            if (TryRange(entry, out var low, out var high)) _entries.Add((exclude, low!, high!));
            else Errors.Add(entry);
        }
    }

    public List<string> Errors { get; } = [];

    public bool Contains(IPAddress? ip)
    {
        if (ip is null) return false;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var bytes = ip.GetAddressBytes();
        foreach (var (exclude, low, high) in _entries)
        {
            if (low.Length != bytes.Length) continue;
            if (Compare(bytes, low) >= 0 && Compare(bytes, high) <= 0) return !exclude;
        }
        return false;
    }

    private static bool TryRange(string entry, out byte[]? low, out byte[]? high)
    {
        low = high = null;
        var dash = entry.IndexOf('-');
        if (dash > 0)
        {
            if (!TryIp(entry[..dash], out var a) || !TryIp(entry[(dash + 1)..], out var b) || a!.Length != b!.Length) return false;
            (low, high) = Compare(a, b) <= 0 ? (a, b) : (b, a);
            return true;
        }
        var slash = entry.IndexOf('/');
        if (slash > 0)
        {
            if (!TryIp(entry[..slash], out var a) || !int.TryParse(entry[(slash + 1)..], out var bits) || bits < 0 || bits > a!.Length * 8) return false;
            low = (byte[])a.Clone();
            high = (byte[])a.Clone();
            for (var i = bits; i < a.Length * 8; i++)
            {
                low[i / 8] &= (byte)~(0x80 >> (i % 8));
                high[i / 8] |= (byte)(0x80 >> (i % 8));
            }
            return true;
        }
        if (!TryIp(entry, out var single)) return false;
        (low, high) = (single, single);
        return true;
    }

    private static bool TryIp(string text, out byte[]? bytes)
    {
        bytes = null;
        if (!IPAddress.TryParse(text.Trim(), out var ip)) return false;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        bytes = ip.GetAddressBytes();
        return true;
    }

    private static int Compare(byte[] a, byte[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        }
        return 0;
    }
}
