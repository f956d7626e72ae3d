using System.Net;
using Kernel.Abstractions;
using Kernel.Testing.Stores;
using Kernel.Routing;
using Kernel.Tests.Accounts;

namespace Kernel.Tests.Routing;

/// <summary>
/// The default router (no Router plugin): router.md §11–§12's base — Main Domain main.dom, Secondary Domains
/// domain.dom and our.dom, own IP 192.0.2.10, accounts alice@domain.dom and boss@main.dom — plus the objects §6.3 names.
/// </summary>
public sealed class DefaultAddressRouterTests : IAsyncLifetime
{
    private static readonly RequestSource Untrusted = new() { ClientIp = IPAddress.Parse("198.51.100.1"), Class = SourceClass.Untrusted, Protocol = "SMTP" };

    private readonly AccountStoreHarness _h = new();
    private DefaultAddressRouter _router = null!;

    public async Task InitializeAsync()
    {
        var s = _h.Store;
        await s.CreateDomainAsync("main.dom");
        await s.CreateDomainAsync("domain.dom");
        await s.CreateDomainAsync("our.dom");
        await s.AddDomainAliasAsync("domain.dom", "mail.domain.dom");
        await s.CreateAccountAsync(new("alice", "domain.dom"), null);
        await s.CreateAccountAsync(new("boss", "main.dom"), null);
        await s.CreateAccountAsync(new("postmaster", "main.dom"), null);
        await s.AddAliasAsync(new("al", "domain.dom"), new("alice", "domain.dom"));
        await s.SetForwarderAsync(new("jim", "our.dom"), "alice@domain.dom");
        await s.SetForwarderAsync(new("chief", "our.dom"), "boss");
        await s.SetForwarderAsync(new("out", "our.dom"), "john@otherdomain.com");
        await s.SetForwarderAsync(new("a", "our.dom"), "b@our.dom");
        await s.SetForwarderAsync(new("b", "our.dom"), "a@our.dom");
        await s.CreateGroupAsync(new("team", "our.dom"), GroupKind.Group);
        await s.CreateGroupAsync(new("news", "our.dom"), GroupKind.MailingList);
        // A chain of distinct forwarders: hop0 → hop1 → … → hop11 → alice.
        for (var i = 0; i < 12; i++) await s.SetForwarderAsync(new($"hop{i}", "our.dom"), i == 11 ? "alice@domain.dom" : $"hop{i + 1}@our.dom");
        _router = new DefaultAddressRouter(s, new FakeListenerRegistry(IPAddress.Parse("192.0.2.10")));
    }

    public Task DisposeAsync()
    {
        _h.Dispose();
        return Task.CompletedTask;
    }

    private async Task<RouteDecision> Route(string address, RouteKind kind = RouteKind.Mail, bool trace = false) =>
        await _router.RouteAsync(new RouteRequest(address, kind, Untrusted, WithTrace: trace));

    public static TheoryData<string, RouteKind, string> Rows => new()
    {
        // router.md §12 edge cases
        { "ALICE@Domain.DOM", RouteKind.Mail, "LOCAL(alice@domain.dom)" },                 // E1
        { "alice@domain.dom.", RouteKind.Mail, "LOCAL(alice@domain.dom)" },                // E2
        { "postmaster", RouteKind.Mail, "LOCAL(postmaster@main.dom)" },                    // E3
        { "boss@[192.0.2.10]", RouteKind.Mail, "LOCAL(boss@main.dom)" },                   // E4
        { "boss@192.0.2.10", RouteKind.Mail, "LOCAL(boss@main.dom)" },                     // E5
        { "x@[198.51.100.7]", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },              // E6: a foreign literal is not local
        { "user%other.dom@our.dom", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },        // E8: unwrap, then not local
        { "<@our.dom:user@other.dom>", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },     // E10
        { "our.dom!other.dom!user", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },        // E11
        { "a@our.dom", RouteKind.Mail, "REJECT(Loop 5.4.6" },                              // E14 (forwarders a ↔ b)
        { "alice@mail.domain.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },            // E24
        { "x@nodots", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },                      // E28
        // the rest of the local-domain rules (§6.3) and normalisation (§2.2)
        { "<alice@domain.dom>", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "  <alice@domain.dom>  ", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "boss", RouteKind.Mail, "LOCAL(boss@main.dom)" },
        { "Boss@[127.0.0.1]", RouteKind.Mail, "LOCAL(boss@main.dom)" },
        { "boss@[IPv6:::1]", RouteKind.Mail, "LOCAL(boss@main.dom)" },
        { "postmaster@domain.dom", RouteKind.Mail, "LOCAL(postmaster@main.dom)" },
        { "POSTMASTER@our.dom", RouteKind.Mail, "LOCAL(postmaster@main.dom)" },
        { "\"postmaster\"@our.dom", RouteKind.Mail, "LOCAL(postmaster@main.dom)" },
        { "al@domain.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "AL@mail.domain.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "jim@our.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "chief@our.dom", RouteKind.Mail, "LOCAL(boss@main.dom)" },
        { "out@our.dom", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },
        { "hop5@our.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "hop0@our.dom", RouteKind.Mail, "REJECT(Loop 5.4.6" },
        { "team@our.dom", RouteKind.Mail, "GROUP(team@our.dom)" },
        { "news@our.dom", RouteKind.Mail, "LIST(news@our.dom)" },
        { "alice%domain.dom@our.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "<@our.dom:alice@domain.dom>", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "<@our.dom,@main.dom:alice@domain.dom>", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "our.dom!domain.dom!alice", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "\"alice\"@domain.dom", RouteKind.Mail, "LOCAL(alice@domain.dom)" },
        { "\"john smith\"@domain.dom", RouteKind.Mail, "REJECT(UnknownUser 5.1.1" },
        { "\"alice@domain.dom\"@our.dom", RouteKind.Mail, "REJECT(UnknownUser 5.1.1" },
        { "nobody@domain.dom", RouteKind.Mail, "REJECT(UnknownUser 5.1.1" },
        { "bob@friend.com", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2 friend.com is not a local domain and relaying is not configured)" },
        { "x@relay.dom.25.via", RouteKind.Mail, "REJECT(UnknownDomain 5.1.2" },
        // malformed (N5, N8)
        { "", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "<>", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "@", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "alice@", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "@domain.dom", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "<alice@domain.dom", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "user@other.dom@our.dom", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "a b@domain.dom", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "alice@-bad-.dom", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "alice@[1.2.3]", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "alice@[300.1.1.1]", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "\"unterminated@domain.dom", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        { "alice@domain.dom\r\nRCPT TO:<x@y>", RouteKind.Mail, "REJECT(BadSyntax 5.1.3" },
        // Signal (§6.3 table)
        { "jim@our.dom", RouteKind.Signal, "LOCAL(alice@domain.dom)" },
        { "team@our.dom", RouteKind.Signal, "REJECT(UnknownUser 5.1.1" },
        { "news@our.dom", RouteKind.Signal, "REJECT(UnknownUser 5.1.1" },
        { "bob@friend.com", RouteKind.Signal, "REJECT(UnknownDomain 5.1.2" },
        // Access: only an account or an alias logs in
        { "alice@domain.dom", RouteKind.Access, "LOCAL(alice@domain.dom)" },
        { "Al@Mail.Domain.Dom", RouteKind.Access, "LOCAL(alice@domain.dom)" },
        { "boss", RouteKind.Access, "LOCAL(boss@main.dom)" },
        { "jim@our.dom", RouteKind.Access, "REJECT(UnknownUser 5.1.1" },
        { "team@our.dom", RouteKind.Access, "REJECT(UnknownUser 5.1.1" },
        { "news@our.dom", RouteKind.Access, "REJECT(UnknownUser 5.1.1" },
        { "bob@friend.com", RouteKind.Access, "REJECT(UnknownUser 5.1.1" },
        { "x@[198.51.100.7]", RouteKind.Access, "REJECT(UnknownUser 5.1.1" },
        { "nobody@domain.dom", RouteKind.Access, "REJECT(UnknownUser 5.1.1" },
        { "jim@our.dom", RouteKind.Http, "REJECT(UnknownUser 5.1.1" },
        { "alice@domain.dom", RouteKind.Http, "LOCAL(alice@domain.dom)" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Routes_as_the_table_says_and_never_relays(string address, RouteKind kind, string expected)
    {
        var decision = await Route(address, kind);
        Assert.StartsWith(expected, decision.Result.Display);
        // §9 rule 1: nothing but a Remote result is relaying, and the default never produces one.
        Assert.IsNotType<RouteResult.Remote>(decision.Result);
        Assert.True(decision.Relay.Allowed);
        Assert.False(string.IsNullOrWhiteSpace(decision.Relay.Reason));
        Assert.Empty(decision.Trace);
        if (decision.Result is RouteResult.Reject reject) Assert.DoesNotContain('\n', reject.Text);
    }

    [Fact]
    public async Task A_100_kB_address_is_a_syntax_reject_not_an_exception()
    {
        var decision = await Route(new string('a', 100_000) + "@domain.dom", trace: true);
        var reject = Assert.IsType<RouteResult.Reject>(decision.Result);
        Assert.Equal((RejectReason.BadSyntax, "5.1.3"), (reject.Reason, reject.EnhancedStatus));
        Assert.All(decision.Trace, s => Assert.True(s.Before.Length < 1000));
    }

    [Fact]
    public async Task A_long_but_well_formed_unknown_name_is_an_unknown_user()
    {
        var decision = await Route(new string('a', 200) + "@domain.dom");
        Assert.Equal(RejectReason.UnknownUser, Assert.IsType<RouteResult.Reject>(decision.Result).Reason);
    }

    [Fact]
    public async Task The_trace_shows_each_step_and_the_forwarders_relay_grant()
    {
        var decision = await Route("<JIM@our.dom>", trace: true);
        Assert.Equal(new RouteResult.Local(new AccountAddress("alice", "domain.dom")), decision.Result);
        Assert.Equal(["normalise", "object", "object", "result"], decision.Trace.Select(s => s.Step));
        Assert.Equal("<JIM@our.dom>", decision.Trace[0].Before);
        Assert.Equal("forwarder", decision.Trace[1].Record);
        Assert.Equal("Relay", decision.Trace[1].Grant);
        Assert.Equal("alice@domain.dom", decision.Trace[1].After);
        Assert.Equal("account", decision.Trace[2].Record);
        Assert.Equal("LOCAL(alice@domain.dom)", decision.Trace[^1].After);

        var viaAlias = await Route("al@mail.domain.dom", trace: true);
        Assert.Contains(viaAlias.Trace, s => s.Step == "domain alias" && s.After == "al@domain.dom");
        Assert.Contains(viaAlias.Trace, s => s.Record == "alias" && s.After == "alice@domain.dom");
    }

    [Fact]
    public async Task Without_listeners_only_loopback_is_an_own_address()
    {
        var router = new DefaultAddressRouter(_h.Store);
        Assert.Equal("LOCAL(boss@main.dom)", (await router.RouteAsync(new RouteRequest("boss@[127.0.0.1]", RouteKind.Mail, Untrusted))).Result.Display);
        Assert.StartsWith("REJECT(UnknownDomain", (await router.RouteAsync(new RouteRequest("boss@[192.0.2.10]", RouteKind.Mail, Untrusted))).Result.Display);
        // router.md §2.2 N7: 127.0.0.9 is another host (a sibling MTA), not us.
        Assert.StartsWith("REJECT(UnknownDomain", (await router.RouteAsync(new RouteRequest("boss@[127.0.0.9]", RouteKind.Mail, Untrusted))).Result.Display);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("127.0.0.9", false)]
    [InlineData("127.1.2.3", false)]
    [InlineData("192.0.2.77", false)]
    public void The_listener_registry_owns_127_0_0_1_and_its_bindings_not_all_of_127_0_0_0_8(string ip, bool own)
    {
        var registry = new Kernel.Listeners.ListenerRegistry();
        Assert.Equal(own, registry.IsOwnAddress(IPAddress.Parse(ip)));
        // A listener bound to another loopback address makes that one ours too.
        registry.Add([new ListenerBinding("Smtp", null, System.Net.Sockets.ProtocolType.Tcp, new IPEndPoint(IPAddress.Parse("127.0.0.9"), 25))]);
        Assert.True(registry.IsOwnAddress(IPAddress.Parse("127.0.0.9")));
        Assert.Equal(own, new Kernel.Plugins.UnavailableListenerRegistry().IsOwnAddress(IPAddress.Parse(ip)));
    }

    [Fact]
    public async Task Postmaster_is_unknown_when_no_postmaster_account_exists()
    {
        await _h.Store.DeleteAccountAsync(new AccountAddress("postmaster", "main.dom"));
        Assert.StartsWith("REJECT(UnknownUser 5.1.1", (await Route("postmaster@domain.dom")).Result.Display);
        Assert.StartsWith("REJECT(UnknownUser 5.1.1", (await Route("postmaster")).Result.Display);
    }

    [Fact]
    public async Task A_directory_that_fails_is_a_temporary_failure()
    {
        var router = new DefaultAddressRouter(new FailingAccountStore());
        var decision = await router.RouteAsync(new RouteRequest("alice@domain.dom", RouteKind.Mail, Untrusted));
        var reject = Assert.IsType<RouteResult.Reject>(decision.Result);
        Assert.Equal(RejectReason.TempFailure, reject.Reason);
        Assert.StartsWith("4.", reject.EnhancedStatus);
    }

    [Fact]
    public async Task A_bare_name_without_any_domain_is_refused()
    {
        using var empty = new AccountStoreHarness();
        var router = new DefaultAddressRouter(empty.Store);
        var decision = await router.RouteAsync(new RouteRequest("postmaster", RouteKind.Mail, Untrusted));
        Assert.Equal(RejectReason.UnknownDomain, Assert.IsType<RouteResult.Reject>(decision.Result).Reason);
    }

    [Fact]
    public async Task A_cancelled_request_is_cancelled_not_rejected()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await _router.RouteAsync(new RouteRequest("alice@domain.dom", RouteKind.Mail, Untrusted), cancelled.Token));
    }
}
