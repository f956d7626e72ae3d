using System.Net;
using Kernel.Abstractions;

namespace Router.Tests;

/// <summary>Fixed MX and A answers (S21: backup.dom MX 10 mx.backup.dom, MX 20 us).</summary>
public sealed class FakeDns : IDnsResolver
{
    public Dictionary<string, MxRecord[]> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, IPAddress[]> A { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken = default) =>
        Task.FromResult(Mx.TryGetValue(domain, out var mx) ? new DnsAnswer<MxRecord>(DnsStatus.Ok, mx) : new DnsAnswer<MxRecord>(DnsStatus.NameError, []));

    public Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken = default) =>
        Task.FromResult(A.TryGetValue(host, out var a) ? new DnsAnswer<IPAddress>(DnsStatus.Ok, a) : new DnsAnswer<IPAddress>(DnsStatus.NameError, []));

    public Task<DnsAnswer<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<DnsAnswer<NaptrRecord>> ResolveNaptrAsync(string domain, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
