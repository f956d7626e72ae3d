namespace Imap.Tests.EndToEnd;

/// <summary>RFC 5182 SEARCHRES: SEARCH RETURN (SAVE) and "$" in FETCH, STORE, COPY, SEARCH and UID commands.</summary>
[Collection("imap")]
public sealed class SearchResTests(ImapServerFixture server)
{
    [Fact]
    public async Task A_saved_result_is_reused_with_dollar()
    {
        const string message = "From: a@example.org\r\nSubject: s\r\n\r\ns\r\n";
        await using var c = await server.ConnectAsync("olga");
        await c.OkAsync("CREATE S");
        await c.OkAsync("CREATE S2");
        await c.AppendManyAsync("S", message, 4);
        await c.OkAsync("SELECT S");
        Assert.Contains("SEARCHRES", (await c.OkAsync("CAPABILITY")).Untagged[0]);
        Assert.Empty(await FetchedUidsAsync(c)); // nothing saved yet
        await c.OkAsync("STORE 2,4 +FLAGS.SILENT (\\Flagged)");

        Assert.DoesNotContain((await c.OkAsync("SEARCH RETURN (SAVE) FLAGGED")).Untagged, l => l.Contains("SEARCH"));
        Assert.Equal(["* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)"], await FetchedUidsAsync(c));
        Assert.Equal("* SEARCH 4", (await c.OkAsync("UID SEARCH UID $ 3:*")).Untagged[0]);
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH $")).Untagged[0]);
        await c.OkAsync("STORE $ +FLAGS.SILENT (\\Answered)");
        Assert.Equal("* SEARCH 2 4", (await c.OkAsync("SEARCH ANSWERED")).Untagged[0]);
        Assert.Matches(@"COPYUID \d+ 2,4 1:2", (await c.OkAsync("UID COPY $ S2")).Tagged);

        // SAVE with MIN saves only the minimum; other options are still returned.
        var min = await c.OkAsync("SEARCH RETURN (SAVE MIN COUNT) FLAGGED");
        Assert.Matches(@"^\* ESEARCH \(TAG ""t\d+""\) MIN 2 COUNT 2$", min.Untagged[0]);
        Assert.Equal(2, (await FetchedUidsAsync(c)).Count); // COUNT given: the whole result is saved
        await c.OkAsync("SEARCH RETURN (SAVE MAX) FLAGGED");
        Assert.Equal(["* 4 FETCH (UID 4)"], await FetchedUidsAsync(c));

        // A failed SEARCH … SAVE empties "$".
        Assert.StartsWith("t", (await c.SendAsync("SEARCH RETURN (SAVE) NOSUCHKEY")).Tagged);
        Assert.Empty(await FetchedUidsAsync(c));
        Assert.Contains("BAD", (await c.SendAsync("FETCH $1 UID")).Tagged);
    }

    /// <summary>The FETCH UID responses to <c>FETCH $ UID</c> (flag updates of the session's own STOREs may come along).</summary>
    private static async Task<List<string>> FetchedUidsAsync(RawImapClient c) =>
        (await c.OkAsync("FETCH $ UID")).Untagged.Where(l => l.Contains("(UID ")).ToList();
}
