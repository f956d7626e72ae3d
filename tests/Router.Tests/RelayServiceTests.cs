using System.Net;
using Kernel.Abstractions;

namespace Router.Tests;

/// <summary>
/// smtp.md §5.1: AUTH makes a session trusted for relaying only while the account's "Relay" service (SMTP.Relay, account
/// → template → domain → server, default on) is enabled. The verdict is the Router's; local delivery never needs it.
/// </summary>
public sealed class RelayServiceTests
{
    private static readonly AccountAddress Alice = new("alice", "domain.dom");

    private static RouteRequest Authenticated(string address, string ip = "203.0.113.9") => new(address, RouteKind.Mail,
        new RequestSource { ClientIp = IPAddress.Parse(ip), Class = SourceClass.Trusted, AuthenticatedAccount = Alice, Protocol = "smtp" });

    [Theory]
    [InlineData(null, null, true)]          // default on
    [InlineData("true", null, true)]
    [InlineData("false", null, false)]      // off for the account
    [InlineData(null, "false", false)]      // off for its domain, inherited
    [InlineData("true", "false", true)]     // the account's own value wins
    public async Task Authenticated_relay_follows_the_accounts_relay_service(string? account, string? domain, bool allowed)
    {
        using var harness = new RouterHarness("");
        if (account is not null) harness.Directory.Setting(SettingScope.ForAccount(Alice), RouterSettingKeys.RelayService, account);
        if (domain is not null) harness.Directory.Setting(SettingScope.ForDomain("domain.dom"), RouterSettingKeys.RelayService, domain);

        var remote = await harness.Router.RouteAsync(Authenticated("friend@remote.example"));
        Assert.IsType<RouteResult.Remote>(remote.Result);
        Assert.Equal(allowed, remote.Relay.Allowed);
        Assert.Contains(allowed ? "authenticated as alice@domain.dom" : "Relay service is off", remote.Relay.Reason, StringComparison.Ordinal);

        // Local recipients are not relaying, whatever the switch says.
        var local = await harness.Router.RouteAsync(Authenticated("boss@main.dom"));
        Assert.IsType<RouteResult.Local>(local.Result);
        Assert.True(local.Relay.Allowed);
    }

    [Fact]
    public async Task With_the_service_off_a_trusted_client_address_still_relays()
    {
        using var harness = new RouterHarness("");
        harness.Directory.Setting(SettingScope.ForAccount(Alice), RouterSettingKeys.RelayService, "false");
        var decision = await harness.Router.RouteAsync(Authenticated("friend@remote.example", ip: "127.0.0.1"));
        Assert.True(decision.Relay.Allowed);
        Assert.Equal("trusted source", decision.Relay.Reason);
    }
}
