using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging.Abstractions;
using Smtp.Delivery;

namespace Smtp.Tests.Delivery;

/// <summary>The transport over real loopback sockets against scripted peers: MX fail-over, greeting refusals, connection reuse and the per-target cap.</summary>
public sealed class SmtpMailTransportTests
{
    private static DeliverySettings Settings(int port) => new()
    {
        Port = port, HeloName = "us.test", CommandTimeout = TimeSpan.FromSeconds(10), GreetingTimeout = TimeSpan.FromSeconds(10),
        DataInitiationTimeout = TimeSpan.FromSeconds(10), DataTerminationTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(5),
        IdleTime = TimeSpan.FromMinutes(5), MaxConnectionsPerTarget = 2,
    };

    private static int DeadPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task TheNextMxIsTriedWhenTheBestRefusesTheConnectionOrGreetsWith4xx()
    {
        await using var good = new TcpSmtpPeer(new FakeSmtpPeer(), IPAddress.Loopback);
        var port = good.EndPoint.Port;
        await using var busy = new TcpSmtpPeer(new FakeSmtpPeer { Greeting = "421 4.3.2 too busy" }, IPAddress.Parse("127.0.0.3"), port);
        var dns = new FakeDns();
        dns.Mx["friend.test"] = [new(5, "dead.friend.test"), new(10, "busy.friend.test"), new(20, "good.friend.test")];
        dns.A["dead.friend.test"] = [IPAddress.Parse("127.0.0.2")]; // nothing listens there
        dns.A["busy.friend.test"] = [IPAddress.Parse("127.0.0.3")];
        dns.A["good.friend.test"] = [IPAddress.Loopback];
        using var transport = new SmtpMailTransport(dns, new FakeListeners(), Settings(port), NullLogger.Instance, TimeProvider.System);

        var outcomes = await transport.DeliverAsync(TestMessages.Create(["bob@friend.test"], target: TestMessages.Remote("friend.test")), CancellationToken.None);

        var outcome = Assert.Single(outcomes);
        Assert.Equal(DeliveryOutcome.Delivered, outcome.Outcome);
        Assert.Equal("good.friend.test", outcome.RemoteHost);
        // The 421 greeting was heard and the client went on (RFC 5321 §3.8: the server closes; nothing more is sent).
        Assert.Equal(1, busy.Peer.Connections);
        Assert.Empty(busy.Peer.Commands);
        Assert.Single(good.Peer.Messages);
    }

    [Fact]
    public async Task NoReachableHostIsATemporaryFailure()
    {
        var dns = new FakeDns();
        dns.A["down.test"] = [IPAddress.Parse("127.0.0.2")];
        using var transport = new SmtpMailTransport(dns, new FakeListeners(), Settings(DeadPort()), NullLogger.Instance, TimeProvider.System);

        var outcomes = await transport.DeliverAsync(TestMessages.Create(["a@down.test", "b@down.test"], target: TestMessages.Remote("down.test")), CancellationToken.None);

        Assert.All(outcomes, o => { Assert.Equal(DeliveryOutcome.TemporaryFailure, o.Outcome); Assert.Equal("4.4.1", o.Status); });
    }

    [Fact]
    public async Task MessagesToOneTargetShareAConnectionWithRsetBetweenThem()
    {
        await using var peer = new TcpSmtpPeer(new FakeSmtpPeer(), IPAddress.Loopback);
        var dns = new FakeDns();
        using var transport = new SmtpMailTransport(dns, new FakeListeners(), Settings(25), NullLogger.Instance, TimeProvider.System);
        var route = new RouteResult.Remote("SMTP", "127.0.0.1." + peer.EndPoint.Port, "127.0.0.1", peer.EndPoint.Port, true, true, "x@y.test");

        for (var i = 0; i < 3; i++)
        {
            var outcomes = await transport.DeliverAsync(TestMessages.Create([$"r{i}@y.test"], target: route, id: $"M{i}"), CancellationToken.None);
            Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(outcomes).Outcome);
        }

        Assert.Equal(1, peer.Peer.Connections);
        Assert.Equal(2, peer.Peer.Commands.Count(c => c == "RSET"));
        Assert.Equal(3, peer.Peer.Messages.Count);
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public async Task ParallelDeliveriesToOneTargetStayWithinTheConnectionCap()
    {
        await using var peer = new TcpSmtpPeer(new FakeSmtpPeer(), IPAddress.Loopback);
        using var transport = new SmtpMailTransport(new FakeDns(), new FakeListeners(), Settings(25), NullLogger.Instance, TimeProvider.System);
        var route = new RouteResult.Remote("SMTP", "127.0.0.1." + peer.EndPoint.Port, "127.0.0.1", peer.EndPoint.Port, true, true, "x@y.test");

        var deliveries = Enumerable.Range(0, 8).Select(i => transport.DeliverAsync(TestMessages.Create([$"r{i}@y.test"], target: route, id: $"M{i}"), CancellationToken.None));
        var all = await Task.WhenAll(deliveries);

        Assert.All(all, o => Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(o).Outcome));
        Assert.InRange(peer.Peer.Connections, 1, 2);
        Assert.Equal(8, peer.Peer.Messages.Count);
    }

    [Fact]
    public async Task APeerThatClosedAnIdleConnectionGetsAFreshOne()
    {
        var fake = new FakeSmtpPeer { CloseOn = "RSET" };
        await using var peer = new TcpSmtpPeer(fake, IPAddress.Loopback);
        using var transport = new SmtpMailTransport(new FakeDns(), new FakeListeners(), Settings(25), NullLogger.Instance, TimeProvider.System);
        var route = new RouteResult.Remote("SMTP", "127.0.0.1." + peer.EndPoint.Port, "127.0.0.1", peer.EndPoint.Port, true, true, "x@y.test");

        await transport.DeliverAsync(TestMessages.Create(["a@y.test"], target: route, id: "M1"), CancellationToken.None);
        var second = await transport.DeliverAsync(TestMessages.Create(["b@y.test"], target: route, id: "M2"), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(second).Outcome);
        Assert.Equal(2, fake.Connections);
        Assert.Equal(2, fake.Messages.Count);
    }

    [Fact]
    public async Task StartTlsIsUsedWhenOfferedWithAnyCertificate()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=peer.test", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(selfSigned.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
        var fake = new FakeSmtpPeer { Ehlo = ["peer.test", "PIPELINING", "STARTTLS"] };
        await using var peer = new TcpSmtpPeer(fake, IPAddress.Loopback) { Certificate = certificate };
        using var transport = new SmtpMailTransport(new FakeDns(), new FakeListeners(), Settings(25), NullLogger.Instance, TimeProvider.System);
        var route = new RouteResult.Remote("SMTP", "127.0.0.1." + peer.EndPoint.Port, "127.0.0.1", peer.EndPoint.Port, true, true, "x@y.test");

        var outcomes = await transport.DeliverAsync(TestMessages.Create(["a@y.test"], target: route), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(outcomes).Outcome);
        Assert.Equal(1, fake.TlsSessions);
        // RFC 3207 §4.2: EHLO again after the handshake; the mail went over TLS.
        Assert.Equal(["EHLO us.test", "STARTTLS", "EHLO us.test"], fake.Commands.Take(3));
        Assert.Single(fake.Messages);
    }

    [Fact]
    public async Task AFailedTlsHandshakeIsRetriedOnceWithoutTls()
    {
        var fake = new FakeSmtpPeer { Ehlo = ["peer.test", "STARTTLS"] };
        await using var peer = new TcpSmtpPeer(fake, IPAddress.Loopback) { BreakTls = true };
        using var transport = new SmtpMailTransport(new FakeDns(), new FakeListeners(), Settings(25), NullLogger.Instance, TimeProvider.System);
        var route = new RouteResult.Remote("SMTP", "127.0.0.1." + peer.EndPoint.Port, "127.0.0.1", peer.EndPoint.Port, true, true, "x@y.test");

        var outcomes = await transport.DeliverAsync(TestMessages.Create(["a@y.test"], target: route), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(outcomes).Outcome);
        Assert.Equal(2, fake.Connections);
        Assert.Equal(1, fake.Commands.Count(c => c == "STARTTLS"));
        Assert.Single(fake.Messages);
    }
}
