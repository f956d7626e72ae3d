using System.Net;

namespace Kernel.Connections;

/// <summary>
/// Open connections on one listener role, in total and per client address. Shared by every version of the plugin
/// that serves the role, so the limits hold across an upgrade (old connections still count).
/// </summary>
internal sealed class ConnectionCounts
{
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _total;

    public int Total
    {
        get
        {
            lock (_perAddress) return _total;
        }
    }

    /// <summary>Counts one more connection from <paramref name="address"/>, or returns the limit it would exceed.</summary>
    public ConnectionLimit TryAdd(IPAddress address, int maxTotal, int maxPerAddress)
    {
        lock (_perAddress)
        {
            if (_total >= maxTotal) return ConnectionLimit.Total;
            var count = _perAddress.GetValueOrDefault(address);
            if (count >= maxPerAddress) return ConnectionLimit.PerAddress;
            _perAddress[address] = count + 1;
            _total++;
            return ConnectionLimit.None;
        }
    }

    public void Remove(IPAddress address)
    {
        lock (_perAddress)
        {
            _total--;
            var count = _perAddress.GetValueOrDefault(address) - 1;
            if (count <= 0) _perAddress.Remove(address);
            else _perAddress[address] = count;
        }
    }
}
