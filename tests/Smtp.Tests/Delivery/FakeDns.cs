using System.Net;
using Kernel.Abstractions;

namespace Smtp.Tests.Delivery;

/// <summary>Fixed MX and address answers; a name not listed is NXDOMAIN, a name in <see cref="Failing"/> a SERVFAIL. Counts the look-ups.</summary>
public sealed class FakeDns : IDnsResolver
{
    public Dictionary<string, MxRecord[]> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, IPAddress[]> A { get; } = new(StringComparer.OrdinalIgnoreCase);

    public HashSet<string> Failing { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Queries { get; } = [];

    public Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken = default)
    {
        lock (Queries) Queries.Add("MX " + domain);
        if (Failing.Contains(domain)) return Task.FromResult(new DnsAnswer<MxRecord>(DnsStatus.TemporaryFailure, []));
        if (Mx.TryGetValue(domain, out var mx)) return Task.FromResult(new DnsAnswer<MxRecord>(DnsStatus.Ok, mx));
        return Task.FromResult(new DnsAnswer<MxRecord>(A.ContainsKey(domain) ? DnsStatus.NoData : DnsStatus.NameError, []));
    }

    public Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken = default)
    {
        lock (Queries) Queries.Add("A " + host);
        if (Failing.Contains(host)) return Task.FromResult(new DnsAnswer<IPAddress>(DnsStatus.TemporaryFailure, []));
        if (A.TryGetValue(host, out var a)) return Task.FromResult(new DnsAnswer<IPAddress>(DnsStatus.Ok, a));
        return Task.FromResult(new DnsAnswer<IPAddress>(Mx.ContainsKey(host) ? DnsStatus.NoData : DnsStatus.NameError, []));
    }

    public Task<DnsAnswer<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<DnsAnswer<NaptrRecord>> ResolveNaptrAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
