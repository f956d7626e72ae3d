using System.Net;
using Kernel.Abstractions;
using Kernel.Testing.Stores;

namespace Router.Tests;

/// <summary>
/// The Router as the kernel's ISourceClassifier (smtp.md §5.1): the Guide's network-list format of the Client IP
/// Addresses and "Relay … if received from"; a swapped snapshot (a changed setting) applies to the next question.
/// </summary>
public sealed class SourceClassifierTests : IDisposable
{
    // Classification reads only the snapshot; the router still needs an account store to be built.
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("127.0.0.1, ::1", "127.0.0.1", true)]
    [InlineData("127.0.0.1, ::1", "127.0.0.3", false)]
    [InlineData("10.0.0.0/8\n!10.1.0.0/16 ; not that one", "10.1.2.3", true)]  // the first entry that holds it decides
    [InlineData("!10.1.0.0/16\n10.0.0.0/8", "10.1.2.3", false)]
    [InlineData("192.168.1.10-192.168.1.20", "192.168.1.15", true)]
    [InlineData("192.168.1.10-192.168.1.20", "192.168.1.21", false)]
    [InlineData("2001:db8::/32", "2001:db8::5", true)]
    [InlineData("127.0.0.2", "::ffff:127.0.0.2", true)]
    public void Client_list_uses_the_guides_format(string list, string address, bool contained) =>
        Assert.Equal(contained, Router(list, "clients").IsClientAddress(IPAddress.Parse(address)));

    [Theory]
    [InlineData("clients", "10.0.0.5", false, SourceClass.Trusted)]
    [InlineData("clients", "192.0.2.5", false, SourceClass.Untrusted)]
    [InlineData("clients", "192.0.2.5", true, SourceClass.Trusted)]   // authenticated
    [InlineData("nobody", "10.0.0.5", false, SourceClass.Untrusted)]  // a client address alone is not enough
    [InlineData("nobody", "10.0.0.5", true, SourceClass.Trusted)]
    [InlineData("anybody", "192.0.2.5", false, SourceClass.Trusted)]  // an open relay, on purpose
    public void Relay_from_decides_what_a_client_address_is_worth(string relayFrom, string ip, bool authenticated, SourceClass expected)
    {
        var source = new RequestSource
        {
            ClientIp = IPAddress.Parse(ip),
            Class = SourceClass.Untrusted,
            AuthenticatedAccount = authenticated ? new AccountAddress("alice", "our.dom") : null,
            Protocol = "smtp",
        };
        Assert.Equal(expected, Router("10.0.0.0/8", relayFrom).Classify(source));
    }

    [Fact]
    public void A_new_snapshot_is_read_by_the_next_question()
    {
        var state = new RouterState();
        var router = new TableRouter(state, _directory.Store);
        var ip = IPAddress.Parse("192.0.2.77");
        Assert.False(router.IsClientAddress(ip));
        state.Swap(new RouterSnapshot(RouterTable.Empty, RelaySettings.Default with { ClientIps = new NetworkList("192.0.2.0/24") }));
        Assert.True(router.IsClientAddress(ip));
    }

    private TableRouter Router(string clients, string relayFrom)
    {
        var state = new RouterState();
        state.Swap(new RouterSnapshot(RouterTable.Empty, RelaySettings.Default with { ClientIps = new NetworkList(clients), RelayFrom = relayFrom }));
        return new TableRouter(state, _directory.Store);
    }
}
