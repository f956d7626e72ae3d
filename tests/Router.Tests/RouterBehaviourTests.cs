using Kernel.Abstractions;
using Kernel.Testing.Stores;

namespace Router.Tests;

/// <summary>Bad input never escapes as an exception; limits; Call:/HTTP: kinds; atomic table swap.</summary>
public sealed class RouterBehaviourTests
{
    [Theory]
    [InlineData("", "501 5.1.3")]
    [InlineData("<>", "501 5.1.3")]
    [InlineData("user@other.dom@our.dom", "501 5.1.3")]
    [InlineData("a@b@", "501 5.1.3")]
    [InlineData("x@[1.2.3.999]", "501 5.1.3")]
    [InlineData("x@-bad-.dom", "501 5.1.3")]
    [InlineData("\"unterminated@our.dom", "501 5.1.3")]
    [InlineData("\"u@other.dom\"@our.dom", "550 5.1.1")]
    public async Task Malformed_addresses_get_the_spec_reject(string input, string expected)
    {
        using var harness = new RouterHarness("");
        var decision = await harness.RouteAsync(input);
        Assert.StartsWith(expected + " ", RouteTestOutput.Display(decision.Result));
    }

    [Fact]
    public async Task A_100_kB_address_is_refused_with_501()
    {
        using var harness = new RouterHarness("");
        var decision = await harness.RouteAsync(new string('a', 100_000) + "@our.dom");
        Assert.StartsWith("501 5.1.3 ", RouteTestOutput.Display(decision.Result));
    }

    [Theory]
    [InlineData("x@[192.0.2.9]", null)]                       // router.md §6.2: a literal names no port
    [InlineData("x@192.0.2.9.via", null)]                     // §6.1: a .via IP without a port label
    [InlineData("x@relay.example.via", null)]
    [InlineData("x@relay.example.2526.via", 2526)]           // only a port label names one
    public async Task Only_the_address_names_a_port_otherwise_the_transport_default_applies(string input, int? port)
    {
        using var harness = new RouterHarness("");
        var decision = await harness.RouteAsync(input, "mail", "T");
        var remote = Assert.IsType<RouteResult.Remote>(decision.Result);
        Assert.Equal(port, remote.Port);
    }

    [Fact]
    public void Equal_addresses_stay_equal_after_one_is_printed()
    {
        Assert.True(RoutingAddress.TryParse("Alice@Domain.DOM", out var a, out _));
        Assert.True(RoutingAddress.TryParse("Alice@domain.dom", out var b, out _));
        Assert.Equal("Alice@domain.dom", a!.ToString());
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b!.GetHashCode());
        Assert.Equal("Alice@other.dom", a.WithDomain("other.dom").ToString());
    }

    [Fact]
    public async Task More_than_ten_passes_is_a_loop()
    {
        var table = string.Join("\n", Enumerable.Range(0, 12).Select(i => $"<a{i}@our.dom> = a{i + 1}@our.dom"));
        using var harness = new RouterHarness(table);
        var decision = await harness.RouteAsync("a0@our.dom");
        var reject = Assert.IsType<RouteResult.Reject>(decision.Result);
        Assert.Equal((RejectReason.Loop, "5.4.6"), (reject.Reason, reject.EnhancedStatus));
    }

    [Fact]
    public async Task A_broken_directory_is_a_temporary_failure_not_an_exception()
    {
        var broken = new TableRouter(new RouterState(), new FailingAccountStore(), new FakeListeners());
        var decision = await broken.RouteAsync(RouterHarness.Request("alice@domain.dom", "mail", "U"));
        Assert.StartsWith("451 4.4.3 ", RouteTestOutput.Display(decision.Result));
    }

    [Theory]
    [InlineData("call", "SIP(pbx.dom)sip:x@calls.dom")]
    [InlineData("signal", "SIP(calls.dom)sip:x@calls.dom")]
    [InlineData("mail", "SMTP(calls.dom)x@calls.dom")]
    public async Task Call_records_are_seen_only_by_dialog_creating_signals(string kind, string expected)
    {
        using var harness = new RouterHarness("Call: calls.dom = calls.dom@pbx.dom.via");
        var decision = await harness.RouteAsync("x@calls.dom", kind, "T");
        Assert.Equal(expected, RouteTestOutput.Display(decision.Result));
    }

    [Theory]
    [InlineData("http", "LOCAL(boss@main.dom)")]
    [InlineData("access", "550 5.1.1")]
    public async Task Http_records_are_seen_only_by_http_lookups(string kind, string expected)
    {
        using var harness = new RouterHarness("HTTP: <LoginPage@www.example.com> = boss");
        var decision = await harness.RouteAsync("LoginPage@www.example.com", kind);
        Assert.StartsWith(expected, RouteTestOutput.Display(decision.Result));
    }

    [Fact]
    public async Task Smart_host_catch_all_routes_foreign_mail_but_never_local_mail()
    {
        using var harness = new RouterHarness("NoRelay: * = *@smarthost.example.25.via");
        var far = await harness.RouteAsync("x@far.dom", "mail", "T");
        Assert.Equal("SMTP(smarthost.example.25)x@far.dom", RouteTestOutput.Display(far.Result));
        var local = await harness.RouteAsync("alice@domain.dom", "mail", "T");
        Assert.Equal("LOCAL(alice@domain.dom)", local.Result.Display);
    }

    [Fact]
    public async Task Trace_names_the_record_that_fired_and_its_grant()
    {
        using var harness = new RouterHarness("Relay: friend.com = friend.com@friend.com.via");
        var decision = await harness.RouteAsync("bob@friend.com");
        var step = Assert.Single(decision.Trace, s => s.Step == "record");
        Assert.Equal("line 1: Relay: friend.com = friend.com@friend.com.via", step.Record);
        Assert.Equal("Relay", step.Grant);
        Assert.Equal("bob%friend.com@friend.com.via", step.After);
        Assert.Equal("relay: allowed (Relay: grant)", decision.Relay.ToString());
    }

    [Fact]
    public async Task A_swapped_table_takes_effect_for_the_next_request()
    {
        var state = new RouterState();
        using var directory = RouterHarness.BaseDirectory();
        var router = new TableRouter(state, directory.Store, new FakeListeners());
        var request = RouterHarness.Request("x@a.dom", "mail", "T");
        Assert.Equal("SMTP(a.dom)x@a.dom", (await router.RouteAsync(request)).Result.Display);
        state.Swap(new RouterSnapshot(TableParser.Parse("a.dom = b.dom").Table!, RelaySettings.Default));
        Assert.Equal("SMTP(b.dom)x@b.dom", (await router.RouteAsync(request)).Result.Display);
    }

    [Theory]
    [InlineData("", "boss@[192.0.2.10]", "LOCAL(boss@main.dom)")]
    [InlineData("ips our.dom=192.0.2.10; account boss@our.dom", "boss@[192.0.2.10]", "LOCAL(boss@our.dom)")]
    public async Task Own_ip_literal_goes_to_the_domain_with_that_ip_else_the_main_domain(string setup, string input, string expected)
    {
        using var harness = new RouterHarness("", setup);
        var decision = await harness.RouteAsync(input);
        Assert.Equal(expected, decision.Result.Display);
    }

    [Theory]
    [InlineData("none=10.0.0.0/8", "x@inside.dom", false)]
    [InlineData("simple=10.0.0.0/8", "x@inside.dom", true)]
    [InlineData("simple=10.0.0.0/8", "x%inside.dom@our.dom", false)]
    [InlineData("any=10.0.0.0/8", "x%inside.dom@our.dom", true)]
    [InlineData("any=192.168.0.0/16", "x@inside.dom", false)]
    public async Task Relay_to_client_ip_addresses_if_sent_to(string setting, string input, bool allowed)
    {
        using var harness = new RouterHarness("", "to-clients " + setting);
        var decision = await harness.RouteAsync(input);
        Assert.Equal("SMTP(inside.dom)x@inside.dom", decision.Result.Display);
        Assert.Equal(allowed, decision.Relay.Allowed);
    }

    [Fact]
    public async Task A_bare_right_side_naming_the_address_itself_is_skipped_not_a_loop()
    {
        // §5.2: <boss@main.dom> = boss maps boss@main.dom to itself, so it counts as not matching.
        using var harness = new RouterHarness("<boss@main.dom> = boss");
        var decision = await harness.RouteAsync("boss@main.dom");
        Assert.Equal("LOCAL(boss@main.dom)", decision.Result.Display);
    }
}
