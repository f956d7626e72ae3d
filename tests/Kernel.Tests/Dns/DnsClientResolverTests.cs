using System.Net;
using System.Net.Sockets;
using Kernel.Abstractions;
using Kernel.Dns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Dns;

public sealed class DnsClientResolverTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>
{
    private DnsClientResolver Resolver(params (string Key, string Value)[] extra) =>
        Configured([("Dns:Servers:0", dns.Server.Endpoint), .. extra]);

    private static DnsClientResolver Configured(params (string Key, string Value)[] entries)
    {
        var settings = new Dictionary<string, string?> { ["Dns:TimeoutMilliseconds"] = "2000", ["Dns:Retries"] = "1" };
        foreach (var (key, value) in entries) settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new DnsClientResolver(configuration, NullLogger<DnsClientResolver>.Instance);
    }

    [Fact]
    public async Task Mx_records_come_sorted_by_preference()
    {
        var answer = await Resolver().ResolveMxAsync("mail.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(
            [new MxRecord(10, "mx1.mail.test"), new MxRecord(20, "mx2.mail.test"), new MxRecord(30, "mx3.mail.test")],
            answer.Records);
    }

    [Fact]
    public async Task A_trailing_dot_names_the_same_domain()
    {
        var answer = await Resolver().ResolveMxAsync("MAIL.test.");

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(3, answer.Records.Count);
    }

    [Theory]
    [InlineData("nomx.test", DnsStatus.NoData)]       // the name has an A record, no MX (implicit MX is the caller's)
    [InlineData("missing.test", DnsStatus.NameError)] // NXDOMAIN
    [InlineData("elsewhere.example", DnsStatus.TemporaryFailure)] // REFUSED: no answer to be had right now
    public async Task Mx_status_tells_no_data_from_no_name_from_failure(string domain, DnsStatus expected)
    {
        var answer = await Resolver().ResolveMxAsync(domain);

        Assert.Equal(expected, answer.Status);
        Assert.Empty(answer.Records);
    }

    [Fact]
    public async Task Addresses_combine_a_and_aaaa()
    {
        var answer = await Resolver().ResolveAddressesAsync("both.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal([IPAddress.Parse("127.0.0.12"), IPAddress.IPv6Loopback], answer.Records);
    }

    [Fact]
    public async Task Addresses_of_an_ipv4_only_host()
    {
        var answer = await Resolver().ResolveAddressesAsync("mx1.mail.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal([IPAddress.Parse("127.0.0.11")], answer.Records);
    }

    [Theory]
    [InlineData("mail.test", DnsStatus.NoData)]
    [InlineData("missing.test", DnsStatus.NameError)]
    public async Task Addresses_status(string host, DnsStatus expected)
    {
        var answer = await Resolver().ResolveAddressesAsync(host);

        Assert.Equal(expected, answer.Status);
        Assert.Empty(answer.Records);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("[::1]", "::1")]
    public async Task Address_literals_need_no_dns(string host, string expected)
    {
        // A resolver pointed nowhere proves no query was sent.
        var answer = await Resolver(("Dns:Servers:0", "127.0.0.1:1"), ("Dns:Retries", "0"), ("Dns:TimeoutMilliseconds", "100")).ResolveAddressesAsync(host);

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal([IPAddress.Parse(expected)], answer.Records);
    }

    [Fact]
    public async Task Srv_records_come_sorted_by_priority()
    {
        var answer = await Resolver().ResolveSrvAsync("_sip._udp.sip.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(
            [new SrvRecord(5, 0, 5070, "sip0.sip.test"), new SrvRecord(10, 60, 5060, "sip1.sip.test"), new SrvRecord(20, 10, 5062, "sip2.sip.test")],
            answer.Records);
    }

    [Fact]
    public async Task Srv_for_a_missing_name_is_a_name_error()
    {
        var answer = await Resolver().ResolveSrvAsync("_sip._tcp.missing.test");

        Assert.Equal(DnsStatus.NameError, answer.Status);
    }

    [Fact]
    public async Task Naptr_records_come_sorted_by_order_then_preference()
    {
        var answer = await Resolver().ResolveNaptrAsync("sip.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
        Assert.Equal(
        [
            new NaptrRecord(10, 40, "S", "SIPS+D2T", "", "_sips._tcp.sip.test"),
            new NaptrRecord(10, 50, "S", "SIP+D2U", "", "_sip._udp.sip.test"),
            new NaptrRecord(20, 10, "S", "SIP+D2T", "", "_sip._tcp.sip.test"),
        ], answer.Records);
    }

    [Fact]
    public async Task Naptr_absent_is_no_data()
    {
        var answer = await Resolver().ResolveNaptrAsync("both.test");

        Assert.Equal(DnsStatus.NoData, answer.Status);
    }

    [Fact]
    public async Task A_silent_server_is_a_temporary_failure_within_the_timeout()
    {
        // A bound UDP socket that never answers: the query times out.
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.Client.LocalEndPoint!).Port;
        var resolver = Resolver(("Dns:Servers:0", $"127.0.0.1:{port}"), ("Dns:Retries", "0"), ("Dns:TimeoutMilliseconds", "300"));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var answer = await resolver.ResolveMxAsync("mail.test");

        Assert.Equal(DnsStatus.TemporaryFailure, answer.Status);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task A_later_server_answers_when_the_first_is_silent()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.Client.LocalEndPoint!).Port;
        var resolver = Configured(("Dns:Servers:0", $"127.0.0.1:{port}"), ("Dns:Servers:1", dns.Server.Endpoint), ("Dns:Retries", "0"), ("Dns:TimeoutMilliseconds", "300"));

        var answer = await resolver.ResolveMxAsync("mail.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
    }

    [Fact]
    public async Task Servers_may_be_one_comma_separated_value()
    {
        var resolver = Configured(("Dns:Servers", $"127.0.0.1:1, {dns.Server.Endpoint}"), ("Dns:Retries", "0"), ("Dns:TimeoutMilliseconds", "300"));

        var answer = await resolver.ResolveMxAsync("mail.test");

        Assert.Equal(DnsStatus.Ok, answer.Status);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("127.0.0.1:notaport")]
    public void Bad_server_configuration_is_refused_with_the_key(string server)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Resolver(("Dns:Servers:0", server)));
        Assert.Contains("Dns:Servers", ex.Message);
    }
}
