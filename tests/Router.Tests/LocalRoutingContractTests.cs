using Kernel.Abstractions;
using Kernel.Routing;
using Kernel.Testing.Stores;

namespace Router.Tests;

/// <summary>
/// Issue 9 §1: local routing (router.md §6.3) has one implementation, the SDK's <see cref="LocalDomainRouting"/>, which
/// both the kernel's <see cref="DefaultAddressRouter"/> (no Router plugin) and the plugin's <see cref="TableRouter"/> (an
/// empty table) step through. One table, run against both, pins that a local address gets the same result and the
/// same error text whichever router is installed (their passes, loop checks and domain handling stay their own).
/// </summary>
public sealed class LocalRoutingContractTests(LocalRoutingContractTests.Directory directory) : IClassFixture<LocalRoutingContractTests.Directory>
{
    private IAccountStore Store() => directory.Value.Store;

    [Theory]
    [InlineData("alice@domain.dom", "mail", "LOCAL(alice@domain.dom)")]
    [InlineData("ALICE@DOMAIN.DOM", "signal", "LOCAL(alice@domain.dom)")]
    [InlineData("alice@alias.dom", "access", "LOCAL(alice@domain.dom)")]
    [InlineData("al@domain.dom", "mail", "LOCAL(alice@domain.dom)")]
    [InlineData("al@domain.dom", "access", "LOCAL(alice@domain.dom)")]
    [InlineData("fw@domain.dom", "mail", "LOCAL(alice@domain.dom)")]
    [InlineData("fw@domain.dom", "signal", "LOCAL(alice@domain.dom)")]
    [InlineData("fw@domain.dom", "access", "550 5.1.1 fw@domain.dom is a forwarder, not an account")]
    [InlineData("grp@domain.dom", "signal", "550 5.1.1 grp@domain.dom is a group, not an account")]
    [InlineData("news@domain.dom", "access", "550 5.1.1 news@domain.dom is a mailing list, not an account")]
    [InlineData("ghost@domain.dom", "mail", "550 5.1.1 unknown user ghost@domain.dom")]
    [InlineData("ghost@domain.dom", "signal", "550 5.1.1 unknown user ghost@domain.dom")]
    [InlineData("Ghost@alias.dom", "access", "550 5.1.1 unknown user Ghost@domain.dom")]
    [InlineData("\"alice\"@domain.dom", "mail", "LOCAL(alice@domain.dom)")]
    [InlineData("\"a b\"@domain.dom", "mail", "550 5.1.1 unknown user \"a b\"@domain.dom")]
    [InlineData("alice%domain.dom@our.dom", "mail", "LOCAL(alice@domain.dom)")]
    [InlineData("postmaster@domain.dom", "mail", "LOCAL(postmaster@main.dom)")]
    [InlineData("boss", "mail", "LOCAL(boss@main.dom)")]
    [InlineData("loop1@domain.dom", "mail", "554 5.4.6 routing loop at loop1@domain.dom")]
    public async Task Both_routers_give_the_same_local_result_and_text(string input, string kind, string expected)
    {
        var request = RouterHarness.Request(input, kind, "T");

        var byDefault = (await new DefaultAddressRouter(Store(), new FakeListeners()).RouteAsync(request)).Result;
        var byTable = (await new TableRouter(new RouterState(), Store(), new FakeListeners()).RouteAsync(request)).Result;

        Assert.Equal(expected, Show(byTable));
        Assert.Equal(Show(byTable), Show(byDefault));
        Assert.Equal(byTable.GetType(), byDefault.GetType());
    }

    [Theory]
    [InlineData("grp@domain.dom", typeof(RouteResult.Group))]
    [InlineData("news@domain.dom", typeof(RouteResult.MailingList))]
    public async Task Groups_and_lists_are_the_same_for_mail(string input, Type expected)
    {
        var request = RouterHarness.Request(input, "mail", "T");
        Assert.IsType(expected, (await new DefaultAddressRouter(Store(), new FakeListeners()).RouteAsync(request)).Result);
        Assert.IsType(expected, (await new TableRouter(new RouterState(), Store(), new FakeListeners()).RouteAsync(request)).Result);
    }

    private static string Show(RouteResult result) => result is RouteResult.Reject r ? $"{RouteTestOutput.SmtpCode(r.Reason)} {r.EnhancedStatus} {r.Text}" : result.Display;

    /// <summary>The §11 base plus the objects the rows name, in a real store (one per class: the rows only read it).</summary>
    public sealed class Directory : IDisposable
    {
        public TestDirectory Value { get; } = RouterHarness.BaseDirectory()
            .DomainAlias("alias.dom", "domain.dom")
            .Alias("al@domain.dom", "alice@domain.dom")
            .Forwarder("fw@domain.dom", "alice@domain.dom")
            .Forwarder("loop1@domain.dom", "loop2@domain.dom")
            .Forwarder("loop2@domain.dom", "loop1@domain.dom")
            .Group("grp@domain.dom")
            .Group("news@domain.dom", GroupKind.MailingList);

        public void Dispose() => Value.Dispose();
    }
}
