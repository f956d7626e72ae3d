using Kernel.Abstractions;

namespace Router.Tests;

/// <summary>
/// Every row of router.md §11 (S1–S23) and §12 (E1–E29). Expected: the display form of <c>kernel route test</c>
/// (a reject as "code enhanced-code", matched as a prefix), and the relay verdict ("allowed"/"denied", "" = not checked).
/// Rows with several inputs are split into a/b/c.
/// </summary>
public sealed class SpecRowTests
{
    private const string S4 = "Relay: friend.com = friend.com@friend.com.via";
    private const string S9 = "Mail:target.domain = target.domain@relay.domain.25.via";
    private const string S10 = "Signal:target.domain = target.domain@relay.domain.5060.via";

    public static TheoryData<string, string, string, string, string, string, string, string> Rows => new()
    {
        // id, table, setup, input, kind, source, expected display, relay
        { "S1", "", "unknown domain.dom=Rerouted:*%domain.dom@otherserver.dom.via", "aname@domain.dom", "mail", "U", "SMTP(otherserver.dom)aname@domain.dom", "allowed" },
        { "S2", "", "unknown domain.dom=Rerouted:*%domain.dom@otherserver.dom.via; account aname@domain.dom", "aname@domain.dom", "mail", "U", "LOCAL(aname@domain.dom)", "allowed" },
        { "S3", "", "unknown domain.dom=Rerouted:*%domain.dom@[11.22.33.44]", "aname@domain.dom", "mail", "U", "SMTP([11.22.33.44])aname@domain.dom", "allowed" },
        { "S4", S4, "", "bob@friend.com", "mail", "U", "SMTP(friend.com)bob@friend.com", "allowed" },
        { "S5", S4, "", "bob@friend.com", "signal", "U", "SIP(friend.com)sip:bob@friend.com", "allowed" },
        { "S6", "Relay: friend.com = friend.com@firewall.friend.com.via", "", "bob@friend.com", "mail", "U", "SMTP(firewall.friend.com)bob@friend.com", "allowed" },
        { "S6b", "Relay: friend.com = friend.com@firewall.friend.com.via", "", "bob@friend.com", "signal", "U", "SIP(firewall.friend.com)sip:bob@friend.com", "allowed" },
        { "S7", "RelayAll: friend.com = friend.com@friend.com.via", "", "bob@friend.com", "mail", "U", "SMTP(friend.com)bob@friend.com", "allowed" },
        { "S8", "target.domain = target.domain@[11.22.33.44]", "", "x@target.domain", "mail", "U", "SMTP([11.22.33.44])x@target.domain", "denied" },
        { "S8b", "target.domain = target.domain@[11.22.33.44]", "", "x@target.domain", "signal", "U", "SIP([11.22.33.44])sip:x@target.domain", "denied" },
        { "S9", S9, "", "x@target.domain", "mail", "T", "SMTP(relay.domain.25)x@target.domain", "allowed" },
        { "S10", S10, "", "x@target.domain", "signal", "T", "SIP(relay.domain.5060)sip:x@target.domain", "allowed" },
        { "S11a", S9 + "\n" + S10, "", "x@target.domain", "mail", "T", "SMTP(relay.domain.25)x@target.domain", "allowed" },
        { "S11b", S9 + "\n" + S10, "", "x@target.domain", "signal", "T", "SIP(relay.domain.5060)sip:x@target.domain", "allowed" },
        { "S12", "other-port = 127.0.0.1.26.via", "", "x@other-port", "mail", "T", "SMTP(127.0.0.1.26)x@[127.0.0.1]", "allowed" },
        { "S13", "other-ip = 11.22.33.44.25.via", "", "x%client.com@other-ip", "mail", "T", "SMTP(11.22.33.44.25)x@client.com", "allowed" },
        { "S14", "other-port = 127.0.0.1.26.via\nRelay: client57.com = client57.com@other-port", "", "u@client57.com", "mail", "U", "SMTP(127.0.0.1.26)u@client57.com", "allowed" },
        { "S15", "Relay: client57.com = client57.com@127.0.0.1.26.via", "", "u@client57.com", "mail", "U", "SMTP(127.0.0.1.26)u@client57.com", "allowed" },
        { "S16a", "domain2.dom = domain2.dom@domain1.dom.via\ndomain3.dom = domain3.dom@domain1.dom.via", "hold domain1.dom", "a@domain2.dom", "mail", "T", "SMTP(domain1.dom)a@domain2.dom (held)", "allowed" },
        { "S16b", "domain2.dom = domain2.dom@domain1.dom.via\ndomain3.dom = domain3.dom@domain1.dom.via", "hold domain1.dom", "b@domain3.dom", "mail", "T", "SMTP(domain1.dom)b@domain3.dom (held)", "allowed" },
        { "S16c", "domain2.dom = domain2.dom@domain1.dom.via\ndomain3.dom = domain3.dom@domain1.dom.via", "hold domain1.dom", "c@domain1.dom", "mail", "T", "SMTP(domain1.dom)c@domain1.dom (held)", "allowed" },
        { "S17", "*.domain.dom = *@domain.dom\n<LoginPage%*@domain.dom> = *@domain.dom", "", "LoginPage@alice.domain.dom", "access", "U", "LOCAL(alice@domain.dom)", "allowed" },
        { "S18", "*.main.dom = *@fict\n<LoginPage%*@fict> = *", "", "LoginPage@boss.main.dom", "access", "U", "LOCAL(boss@main.dom)", "allowed" },
        { "S19", "<LoginPage@user.domain.com> = userA@domainB.com", "domain domainb.com; account usera@domainb.com", "LoginPage@user.domain.com", "access", "U", "LOCAL(usera@domainb.com)", "allowed" },
        { "S20", "", "domain client1.com; forwarder jim@client1.com=john@otherdomain.com", "jim@client1.com", "mail", "U", "SMTP(otherdomain.com)john@otherdomain.com", "allowed" },
        { "S21", "", "backup", "x@backup.dom", "mail", "U", "SMTP(backup.dom)x@backup.dom", "allowed" },
        { "S22", "", "nolocal domain.dom; account domain.dom@main.dom; hold domain.dom", "x@domain.dom", "mail", "U", "SMTP(domain.dom)x@domain.dom (held)", "allowed" },
        { "S23", "Relay: domain.dom = domain.dom@domain.dom.via", "nolocal domain.dom", "x@domain.dom", "mail", "U", "SMTP(domain.dom)x@domain.dom", "allowed" },
        { "S23b", "Relay: domain.dom = domain.dom@domain.dom.via", "nolocal domain.dom; hold domain.dom", "x@domain.dom", "mail", "U", "SMTP(domain.dom)x@domain.dom (held)", "allowed" },

        { "E1", "", "", "ALICE@Domain.DOM", "mail", "U", "LOCAL(alice@domain.dom)", "allowed" },
        { "E2", "", "", "alice@domain.dom.", "mail", "U", "LOCAL(alice@domain.dom)", "allowed" },
        { "E3", "", "", "postmaster", "mail", "U", "LOCAL(postmaster@main.dom)", "allowed" },
        { "E4", "", "", "boss@[192.0.2.10]", "mail", "U", "LOCAL(boss@main.dom)", "allowed" },
        { "E5", "", "", "boss@192.0.2.10", "mail", "U", "LOCAL(boss@main.dom)", "allowed" },
        { "E6", "", "", "x@[198.51.100.7]", "mail", "U", "SMTP([198.51.100.7])x@[198.51.100.7]", "denied" },
        { "E7", "", "", "x%y.com@[198.51.100.7]", "mail", "T", "SMTP([198.51.100.7])x@y.com", "allowed" },
        { "E8", "", "", "user%other.dom@our.dom", "mail", "U", "SMTP(other.dom)user@other.dom", "denied" },
        { "E9", "", "", "user%other.dom@our.dom", "mail", "T", "SMTP(other.dom)user@other.dom", "allowed" },
        { "E10", "", "", "<@our.dom:user@other.dom>", "mail", "U", "SMTP(other.dom)user@other.dom", "denied" },
        { "E11", "", "", "our.dom!other.dom!user", "mail", "U", "SMTP(other.dom)user@other.dom", "denied" },
        { "E12", "", "", "a%b%c.com@our.dom", "mail", "T", "SMTP(c.com)a%b@c.com", "allowed" },
        { "E13", S4, "", "u%friend.com@our.dom", "mail", "U", "SMTP(friend.com)u@friend.com", "denied" },
        { "E13b", "RelayAll: friend.com = friend.com@friend.com.via", "", "u%friend.com@our.dom", "mail", "U", "SMTP(friend.com)u@friend.com", "allowed" },
        { "E14", "<a@our.dom> = b@our.dom\n<b@our.dom> = a@our.dom", "", "a@our.dom", "mail", "U", "554 5.4.6", "" },
        { "E15", "<sales@our.dom> = boss\n<*@our.dom> = info@our.dom", "", "sales@our.dom", "mail", "U", "LOCAL(boss@main.dom)", "allowed" },
        { "E16", "<*@our.dom> = first@main.dom\n<*@our.dom> = second@main.dom", "account first@main.dom; account second@main.dom", "z@our.dom", "mail", "U", "LOCAL(second@main.dom)", "allowed" },
        { "E17", "<*@old.dom> = *@our.dom\nold.dom = main.dom", "account jo@our.dom; account jo@main.dom", "Jo@old.dom", "mail", "U", "LOCAL(jo@our.dom)", "allowed" },
        { "E18a", "NoRelay: partner.dom = partner.dom@[10.0.0.5]", "", "x@partner.dom", "mail", "T", "SMTP([10.0.0.5])x@partner.dom", "allowed" },
        { "E18b", "NoRelay: partner.dom = partner.dom@[10.0.0.5]", "", "x@partner.dom", "mail", "U", "SMTP(partner.dom)x@partner.dom", "denied" },
        { "E19a", "Access: short = main.dom", "", "boss@short", "access", "U", "LOCAL(boss@main.dom)", "allowed" },
        { "E19b", "Access: short = main.dom", "", "boss@short", "mail", "U", "550 5.1.2", "" },
        { "E20", "", "", "x@relay.dom.99999.via", "mail", "T", "550 5.1.2", "" },
        { "E21", "", "", "x@host.example.via", "mail", "U", "SMTP(host.example)x@host.example", "denied" },
        { "E22a", "<spam@our.dom> = error\njunk.dom = null", "", "spam@our.dom", "mail", "U", "550 5.7.1", "allowed" },
        { "E22b", "<spam@our.dom> = error\njunk.dom = null", "", "any@junk.dom", "mail", "U", "DISCARD", "allowed" },
        { "E23a", "", "unknown domain.dom=Discarded", "nobody@domain.dom", "mail", "U", "DISCARD", "allowed" },
        { "E23b", "", "unknown domain.dom=AcceptedAndBounced", "nobody@domain.dom", "mail", "U", "BOUNCE(5.1.1)", "allowed" },
        { "E23c", "", "unknown domain.dom=Rerouted:catchall; account catchall@main.dom", "nobody@domain.dom", "mail", "U", "LOCAL(catchall@main.dom)", "allowed" },
        { "E24", "", "alias-domain mail.domain.dom=domain.dom", "alice@mail.domain.dom", "mail", "U", "LOCAL(alice@domain.dom)", "allowed" },
        { "E25", "*.corp.dom = *@fict", "", "x@a.corp.dom", "mail", "U", "550 5.1.2", "" },
        { "E26", "*.dom = main.dom", "", "alice@our.dom", "mail", "U", "550 5.1.1", "" },
        { "E27", "old.example = new.example", "", "u@old.example", "mail", "T", "SMTP(new.example)u@new.example", "allowed" },
        { "E28", "", "", "x@nodots", "mail", "U", "550 5.1.2", "" },
        { "E29a", "<*@shop.dom> = orders@shop.dom", "domain shop.dom; account orders@shop.dom", "x@shop.dom", "mail", "U", "LOCAL(orders@shop.dom)", "allowed" },
        // Issue 9 §1: own addresses are 127.0.0.1, ::1 and the listeners' — not all of 127.0.0.0/8 (N7).
        { "E30a", "", "", "postmaster@[127.0.0.1]", "mail", "U", "LOCAL(postmaster@main.dom)", "allowed" },
        { "E30b", "", "", "user@[127.0.0.9]", "mail", "U", "SMTP([127.0.0.9])user@[127.0.0.9]", "denied" },
        { "E30c", "", "", "user@[127.0.0.9]", "mail", "T", "SMTP([127.0.0.9])user@[127.0.0.9]", "allowed" },
        { "E30d", "", "backup-sibling", "x@sibling.dom", "mail", "U", "SMTP(sibling.dom)x@sibling.dom", "allowed" },
        // Issue 9 §1 / §8: a quoted unknown name is rerouted in its quoted form, never re-parsed for '@' (N3).
        { "E31a", "", "unknown our.dom=Rerouted:*%our.dom@host.via", "\"ghost@far.test\"@our.dom", "mail", "T", "SMTP(host)\"ghost@far.test\"@our.dom", "allowed" },
        { "E31b", "", "unknown our.dom=Rerouted:*%our.dom@host.via", "\"ghost@far.test\"@our.dom", "mail", "U", "SMTP(host)\"ghost@far.test\"@our.dom", "denied" },
        { "E31c", "", "unknown our.dom=Rerouted:*%our.dom@host.via", "\"gh ost\"@our.dom", "mail", "U", "SMTP(host)\"gh ost\"@our.dom", "allowed" },
        { "E31d", "", "unknown our.dom=Rerouted:*@host.via", "\"gh ost\"@our.dom", "mail", "U", "SMTP(host)\"gh ost\"@host", "allowed" },
        { "E29b", "<*@shop.dom> = orders@shop.dom", "domain shop.dom; account orders@shop.dom", "orders@shop.dom", "mail", "U", "LOCAL(orders@shop.dom)", "allowed" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Row(string id, string table, string setup, string input, string kind, string source, string expected, string relay)
    {
        using var harness = new RouterHarness(table, setup);
        var decision = await harness.RouteAsync(input, kind, source);
        var display = RouteTestOutput.Display(decision.Result);
        var trace = string.Join("\n", decision.Trace.Select(s => $"{s.Step}: {s.Before} -> {s.After} [{s.Record}] {s.Grant}"));
        if (char.IsAsciiDigit(expected[0])) Assert.True(display.StartsWith(expected + " ", StringComparison.Ordinal), $"{id}: got {display}\n{trace}");
        else Assert.True(expected == display, $"{id}: expected {expected}, got {display}\n{trace}");
        if (relay.Length > 0) Assert.True((relay == "allowed") == decision.Relay.Allowed, $"{id}: expected relay {relay}, got {decision.Relay}\n{trace}");
    }
}
