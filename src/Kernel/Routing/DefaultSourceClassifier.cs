using System.Net;
using Kernel.Abstractions;

namespace Kernel.Routing;

/// <summary>
/// The kernel's classification when the active router does not classify (no Router plugin): the documented default
/// Client IP Addresses, 127.0.0.1 and ::1, are Trusted, as are authenticated and internal sources (smtp.md §5.1).
/// </summary>
public sealed class DefaultSourceClassifier : ISourceClassifier
{
    public static DefaultSourceClassifier Instance { get; } = new();

    public bool IsClientAddress(IPAddress? clientIp)
    {
        if (clientIp is null) return false;
        if (clientIp.IsIPv4MappedToIPv6) clientIp = clientIp.MapToIPv4();
        return clientIp.Equals(IPAddress.Loopback) || clientIp.Equals(IPAddress.IPv6Loopback);
    }

    public SourceClass Classify(RequestSource source) =>
        source.Internal || source.AuthenticatedAccount is not null || IsClientAddress(source.ClientIp) ? SourceClass.Trusted : SourceClass.Untrusted;
}
