using System.Net;

namespace Smtp.Delivery;

/// <summary>One address to try: the host name it came from (for TLS SNI and the DSN's Remote-MTA) and where to connect.</summary>
internal sealed record DeliveryTarget(string Host, IPEndPoint EndPoint)
{
    public override string ToString() => $"{Host}[{EndPoint}]";
}
