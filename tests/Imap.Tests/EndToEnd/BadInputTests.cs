using System.Text;

namespace Imap.Tests.EndToEnd;

/// <summary>Malformed and hostile input gets BAD/NO or a clean BYE; the server keeps serving and stores nothing half-done.</summary>
[Collection("imap")]
public sealed class BadInputTests(ImapServerFixture server)
{
    [Fact]
    public async Task Malformed_commands_are_BAD_and_the_session_goes_on()
    {
        await using var c = await server.ConnectAsync("frank");
        await c.WriteAsync("\r\n");
        Assert.StartsWith("* BAD", await c.ReadLineAsync());
        await c.WriteAsync("+ NOOP\r\n");
        Assert.StartsWith("* BAD", await c.ReadLineAsync());
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("FROBNICATE")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("SELECT")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("SELECT \"unterminated")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("CREATE Entw&APw")).Tagged);            // invalid modified UTF-7
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("CREATE &AGE-")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("STATUS INBOX (MESSAGES")).Tagged);     // unbalanced
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("LIST (SUBSCRIBED \"\" *")).Tagged);
        await c.OkAsync("SELECT INBOX");
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("SEARCH " + new string('(', 500) + "ALL" + new string(')', 500))).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("FETCH 1:* (FLAGS")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("FETCH 0 FLAGS")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("STORE 1 FLAGS (\\Bogus)")).Tagged);
        await c.OkAsync("NOOP");
    }

    [Fact]
    public async Task Oversized_lines_and_literals_are_refused()
    {
        await using var c = await server.ConnectAsync("frank");
        await c.WriteAsync("a1 NOOP " + new string('x', 100_000) + "\r\n");
        Assert.StartsWith("* BAD", await c.ReadLineAsync());
        // a synchronizing literal above the limit is refused before the client sends it
        await c.WriteAsync("a2 LOGIN {100000}\r\n");
        Assert.StartsWith("a2 BAD", await c.ReadLineAsync());
        await c.OkAsync("NOOP");
        // APPEND above the message limit: NO [TOOBIG] before the data
        await c.WriteAsync("a3 APPEND INBOX {5000000}\r\n");
        Assert.StartsWith("a3 NO [TOOBIG]", await c.ReadLineAsync());
        await c.OkAsync("NOOP");
        // a huge non-synchronizing literal cannot be skipped: BYE
        await c.WriteAsync("a4 LOGIN {999999999+}\r\n");
        Assert.StartsWith("* BYE", await c.ReadLineAsync());
        Assert.True(await c.ClosedAsync());
    }

    [Fact]
    public async Task Ten_thousand_pipelined_commands_are_all_answered_in_order()
    {
        await using var c = await server.ConnectAsync("frank");
        var sb = new StringBuilder();
        for (var i = 0; i < 10_000; i++) sb.Append("p").Append(i).Append(" NOOP\r\n");
        var send = c.WriteAsync(sb.ToString());
        for (var i = 0; i < 10_000; i++)
        {
            var reply = await c.ReadReplyAsync("p" + i);
            Assert.StartsWith($"p{i} OK", reply.Tagged);
        }
        await send;
    }

    [Fact]
    public async Task A_client_vanishing_mid_APPEND_leaves_no_message()
    {
        await using var c = await server.ConnectAsync("gina");
        await c.OkAsync("CREATE Drop");
        var before = (await c.OkAsync("STATUS Drop (MESSAGES UIDNEXT)")).Untagged[0];
        await using (var v = await server.ConnectAsync("gina"))
        {
            await v.WriteAsync("a1 APPEND Drop {1000}\r\n");
            Assert.StartsWith("+", await v.ReadLineAsync());
            await v.WriteAsync("From: a@b\r\nSubject: half\r\n\r\n" + new string('x', 300));
            v.Abort();
        }
        // the server notices the closed socket; nothing is committed however long we look
        await Task.Delay(500);
        Assert.Equal(before, (await c.OkAsync("STATUS Drop (MESSAGES UIDNEXT)")).Untagged[0]);
        // an APPEND followed by junk instead of CRLF is refused and stores nothing either
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("APPEND Drop {3+}\r\nabc JUNK")).Tagged);
        Assert.Equal(before, (await c.OkAsync("STATUS Drop (MESSAGES UIDNEXT)")).Untagged[0]);
    }

    [Fact]
    public async Task Many_idle_connections_are_served_and_closed_cleanly()
    {
        var clients = new List<RawImapClient>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var c = await server.ConnectAsync("frank");
                await c.OkAsync("SELECT INBOX");
                clients.Add(c);
            }
            foreach (var c in clients) await c.OkAsync("NOOP");
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        await using var after = await server.ConnectAsync("frank");
        await after.OkAsync("NOOP");
    }
}
