using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;

namespace Smtp.Tests.Delivery;

/// <summary>Our addresses (192.0.2.10, 127.0.0.1, ::1) and an SMTP listener on <see cref="SmtpPort"/>, as the kernel's registry reports them.</summary>
public sealed class FakeListeners(int smtpPort = 25) : IListenerRegistry
{
    public static readonly IPAddress OwnIp = IPAddress.Parse("192.0.2.10");

    public int SmtpPort { get; } = smtpPort;

    public IReadOnlyList<ListenerBinding> Bindings =>
    [
        new("Smtp", null, ProtocolType.Tcp, new IPEndPoint(OwnIp, SmtpPort)),
        new("Imap", null, ProtocolType.Tcp, new IPEndPoint(OwnIp, 143)),
    ];

    public bool IsOwnAddress(IPAddress address) => address.Equals(OwnIp) || address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);
}
