namespace Imap.Tests.EndToEnd;

/// <summary>LSUB and LIST (SUBSCRIBED) with '%': parents of subscribed names (RFC 3501 §6.3.9, RFC 5258 §3.5).</summary>
[Collection("imap")]
public sealed class SubscribedHierarchyTests(ImapServerFixture server)
{
    [Fact]
    public async Task Percent_shows_unsubscribed_parents_as_placeholders()
    {
        await using var c = await server.ConnectAsync("pete");
        await c.OkAsync("CREATE Work/Reports/2024");
        await c.OkAsync("SUBSCRIBE Work/Reports/2024");

        Assert.Empty((await c.OkAsync("LSUB \"\" Work")).Untagged); // no '%': nothing stops above the subscription
        Assert.Contains("* LSUB (\\Noselect) \"/\" Work", (await c.OkAsync("LSUB \"\" %")).Untagged);
        Assert.Equal(["* LSUB (\\Noselect) \"/\" Work/Reports"], (await c.OkAsync("LSUB Work/ %")).Untagged);
        Assert.Equal(["* LSUB () \"/\" Work/Reports/2024"], (await c.OkAsync("LSUB \"\" Work/*")).Untagged);

        Assert.DoesNotContain((await c.OkAsync("LIST (SUBSCRIBED) \"\" %")).Untagged, l => l.Contains("Work"));
        var recursive = await c.OkAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" Work/%");
        Assert.Equal(["* LIST () \"/\" Work/Reports (\"CHILDINFO\" (\"SUBSCRIBED\"))"], recursive.Untagged);

        // A subscribed parent is listed as itself (with CHILDINFO in LIST).
        await c.OkAsync("SUBSCRIBE Work");
        Assert.Equal(["* LSUB () \"/\" Work"], (await c.OkAsync("LSUB \"\" Work")).Untagged);
        Assert.Equal(["* LIST (\\Subscribed) \"/\" Work (\"CHILDINFO\" (\"SUBSCRIBED\"))"], (await c.OkAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" Work")).Untagged);
    }
}
