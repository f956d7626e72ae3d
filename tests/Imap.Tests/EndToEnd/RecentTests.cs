namespace Imap.Tests.EndToEnd;

/// <summary>RFC 3501 §2.3.2 \Recent across sessions of one server: the first SELECT claims, EXAMINE only looks.</summary>
[Collection("imap")]
public sealed class RecentTests(ImapServerFixture server)
{
    private const string Message = "From: a@example.org\r\nSubject: recent\r\n\r\nHi\r\n";

    [Fact]
    public async Task The_first_selecting_session_sees_messages_as_recent()
    {
        await using var a = await server.ConnectAsync("olga");
        await using var b = await server.ConnectAsync("olga");
        await using var c = await server.ConnectAsync("olga");
        await a.OkAsync("CREATE R");
        await a.AppendManyAsync("R", Message, 2);
        Assert.Equal("* STATUS R (MESSAGES 2 RECENT 2)", (await a.OkAsync("STATUS R (MESSAGES RECENT)")).Untagged[0]);

        var examine = await b.OkAsync("EXAMINE R");
        Assert.Contains("* 2 RECENT", examine.Untagged);
        Assert.Equal("* SEARCH 1 2", (await b.OkAsync("SEARCH RECENT")).Untagged[0]);

        var select = await a.OkAsync("SELECT R");
        Assert.Contains("* 2 RECENT", select.Untagged);
        await a.OkAsync("STORE 1 +FLAGS.SILENT (\\Seen)");
        Assert.Contains("FLAGS (\\Recent \\Seen)", (await a.OkAsync("FETCH 1 FLAGS")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2", (await a.OkAsync("SEARCH RECENT")).Untagged[0]);
        Assert.Equal("* SEARCH 2", (await a.OkAsync("SEARCH NEW")).Untagged[0]);
        Assert.Equal("* SEARCH", (await a.OkAsync("SEARCH OLD")).Untagged[0]);

        // Claimed by a: nobody else gets them.
        var second = await c.OkAsync("SELECT R");
        Assert.Contains("* 0 RECENT", second.Untagged);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH OLD")).Untagged[0]);
        Assert.DoesNotContain("\\Recent", (await c.OkAsync("FETCH 1:2 FLAGS")).Untagged[1]);
        Assert.Equal("* STATUS R (RECENT 0)", (await b.OkAsync("STATUS R (RECENT)")).Untagged[0]);

        // A new message goes to the session that sees it first: c, whose APPEND reports it.
        await c.WriteAsync($"p3 APPEND R {{{Message.Length}+}}\r\n{Message}\r\n");
        var appended = (await c.ReadReplyAsync("p3")).Untagged;
        if (!appended.Contains("* 3 EXISTS")) appended = (await SessionTests.WaitForAsync(c, "NOOP", r => r.Untagged.Contains("* 3 EXISTS"))).Untagged;
        Assert.Contains("* 1 RECENT", appended);
        var noop = await SessionTests.WaitForAsync(a, "NOOP", r => r.Untagged.Contains("* 3 EXISTS"));
        Assert.Contains("* 2 RECENT", noop.Untagged);
        Assert.Equal("* SEARCH 1 2", (await a.OkAsync("SEARCH RECENT")).Untagged[0]);
    }
}
