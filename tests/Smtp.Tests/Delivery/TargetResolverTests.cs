using System.Net;
using Kernel.Abstractions;
using Smtp.Delivery;

namespace Smtp.Tests.Delivery;

/// <summary>smtp.md §11.2–§11.3 as a table: MX order, implicit MX, null MX, DNS errors, our own MX, ports and literals, loops.</summary>
public sealed class TargetResolverTests
{
    private readonly FakeDns _dns = new();
    private readonly FakeListeners _listeners = new(smtpPort: 25);

    public TargetResolverTests()
    {
        _dns.Mx["friend.test"] = [new(20, "mx2.friend.test"), new(10, "mx1.friend.test"), new(30, "mx3.friend.test")];
        _dns.A["mx1.friend.test"] = [IPAddress.Parse("198.51.100.1")];
        _dns.A["mx2.friend.test"] = [IPAddress.Parse("198.51.100.2"), IPAddress.Parse("2001:db8::2")];
        _dns.A["mx3.friend.test"] = [IPAddress.Parse("198.51.100.3")];
        _dns.A["plain.test"] = [IPAddress.Parse("198.51.100.9")];
        _dns.Mx["nullmx.test"] = [new(0, ".")];
        // We are the MX of preference 20: only mx1 (10) is left; at 10 nothing is left.
        _dns.Mx["backup.test"] = [new(10, "mx1.friend.test"), new(20, "us.test"), new(30, "mx3.friend.test")];
        _dns.Mx["onlyus.test"] = [new(10, "us.test"), new(20, "mx1.friend.test")];
        _dns.A["us.test"] = [FakeListeners.OwnIp];
        _dns.A["relay.test"] = [IPAddress.Parse("198.51.100.7")];
        _dns.Mx["relay.test"] = [new(10, "mx1.friend.test")];
        _dns.Mx["broken.test"] = [new(10, "servfail.test")];
        _dns.Failing.Add("servfail.test");
        _dns.Failing.Add("dnsdown.test");
        _dns.Mx["noaddress.test"] = [new(10, "gone.test")];
    }

    private Task<TargetResolution> Resolve(RouteResult.Remote route, int defaultPort = 2525) =>
        new TargetResolver(_dns, _listeners, () => defaultPort).ResolveAsync(route, CancellationToken.None);

    [Fact]
    public async Task MxHostsComeInPreferenceOrderWithTheirAddressesOnTheDefaultPort()
    {
        var r = await Resolve(TestMessages.Remote("friend.test"));
        Assert.Null(r.Failure);
        Assert.Equal(["mx1.friend.test[198.51.100.1:2525]", "mx2.friend.test[198.51.100.2:2525]", "mx2.friend.test[[2001:db8::2]:2525]", "mx3.friend.test[198.51.100.3:2525]"],
            r.Targets.Select(t => t.ToString()));
    }

    [Fact]
    public async Task WithoutMxTheDomainIsItsOwnMx()
    {
        var r = await Resolve(TestMessages.Remote("plain.test"));
        Assert.Equal("198.51.100.9:2525", Assert.Single(r.Targets).EndPoint.ToString());
    }

    [Fact]
    public async Task AnExplicitPortTakesTheAddressRecordsOnlyEvenForPort25()
    {
        var r = await Resolve(TestMessages.Remote("relay.test", port: 25));
        Assert.Equal("198.51.100.7:25", Assert.Single(r.Targets).EndPoint.ToString());
        Assert.DoesNotContain("MX relay.test", _dns.Queries);
    }

    [Theory]
    [InlineData("192.0.2.55", null, "192.0.2.55:2525")]
    [InlineData("192.0.2.55", 26, "192.0.2.55:26")]
    [InlineData("[IPv6:2001:db8::5]", null, "[2001:db8::5]:2525")]
    public async Task AnIpLiteralNeedsNoDns(string host, int? port, string endPoint)
    {
        var r = await Resolve(new RouteResult.Remote("SMTP", host, host, port, true, true, "x@" + host));
        Assert.Equal(endPoint, Assert.Single(r.Targets).EndPoint.ToString());
        Assert.Empty(_dns.Queries);
    }

    [Theory]
    [InlineData("nullmx.test", "5.1.10", true)]
    [InlineData("nowhere.test", "5.1.2", true)]
    [InlineData("dnsdown.test", "4.4.3", false)]
    [InlineData("broken.test", "4.4.3", false)]
    [InlineData("noaddress.test", "5.4.4", true)]
    [InlineData("onlyus.test", "5.4.6", true)]
    public async Task FailuresArePermanentOrTemporaryAsTheRfcsSay(string domain, string status, bool permanent)
    {
        var r = await Resolve(TestMessages.Remote(domain), defaultPort: 25);
        Assert.Empty(r.Targets);
        Assert.Equal(status, r.Failure!.Status());
        Assert.Equal(permanent, r.Failure.IsPermanent);
    }

    [Fact]
    public async Task AsBackupMxWeDeliverOnlyToBetterMxHosts()
    {
        var r = await Resolve(TestMessages.Remote("backup.test"), defaultPort: 25);
        Assert.Equal(["mx1.friend.test[198.51.100.1:25]"], r.Targets.Select(t => t.ToString()));
    }

    [Fact]
    public async Task OurAddressOnAnotherPortIsASiblingNotUs()
    {
        // The backup rule only applies on our SMTP port: an MX pointing at our address on port 2525 is another MTA.
        var r = await Resolve(TestMessages.Remote("onlyus.test"), defaultPort: 2525);
        Assert.Equal(["us.test[192.0.2.10:2525]", "mx1.friend.test[198.51.100.1:2525]"], r.Targets.Select(t => t.ToString()));
        var sibling = await Resolve(new RouteResult.Remote("SMTP", "127.0.0.1.26", "127.0.0.1", 26, true, true, "x@y.test"));
        Assert.Equal("127.0.0.1:26", Assert.Single(sibling.Targets).EndPoint.ToString());
    }

    [Fact]
    public async Task OurOwnAddressAndPortIsALoop()
    {
        var literal = await Resolve(new RouteResult.Remote("SMTP", "[192.0.2.10]", "192.0.2.10", null, true, true, "x@[192.0.2.10]"), defaultPort: 25);
        Assert.Equal("5.4.6", literal.Failure!.Status());
        var named = await Resolve(TestMessages.Remote("us.test", port: 25));
        Assert.Equal("5.4.6", named.Failure!.Status());
    }

    [Fact]
    public async Task BeingTheBestMxOfAHeldQueueKeepsTheMailHeld()
    {
        var r = await Resolve(TestMessages.Remote("onlyus.test", held: true), defaultPort: 25);
        Assert.True(r.Failure!.IsTransient);
    }
}
