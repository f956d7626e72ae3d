using System.Net;

namespace Kernel.Abstractions;

/// <summary>DNS look-ups for transports (RFC 5321 §5, RFC 3263). The name server is configurable (<c>Dns:Servers</c>) so tests use a local one.</summary>
public interface IDnsResolver
{
    Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken = default);

    Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken = default);

    Task<DnsAnswer<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken = default);

    Task<DnsAnswer<NaptrRecord>> ResolveNaptrAsync(string domain, CancellationToken cancellationToken = default);
}
