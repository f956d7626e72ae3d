namespace Imap.Tests.EndToEnd;

/// <summary>The core session against a running kernel over a raw socket: states, APPEND/FETCH/STORE/SEARCH/COPY/MOVE/EXPUNGE, IDLE.</summary>
[Collection("imap")]
public sealed class SessionTests(ImapServerFixture server)
{
    private const string Message = "From: Frank <frank@company.dom>\r\nTo: frank@company.dom\r\nSubject: Report\r\nDate: Tue, 2 Jan 2024 09:00:00 +0000\r\nMessage-ID: <r1@x>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst part body\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>second</p>\r\n--b--\r\n";

    [Fact]
    public async Task Greeting_capability_and_wrong_state_commands()
    {
        await using var c = await server.ConnectAsync();
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1", c.Greeting);
        var cap = await c.OkAsync("CAPABILITY");
        Assert.Contains("STARTTLS", cap.Untagged[0]);
        Assert.Contains("ACL RIGHTS=texk", cap.Untagged[0]);
        Assert.StartsWith("t2 BAD", (await c.SendAsync("SELECT INBOX")).Tagged);
        Assert.StartsWith("t3 BAD", (await c.SendAsync("FETCH 1 FLAGS")).Tagged);
        Assert.StartsWith("t4 NO [AUTHENTICATIONFAILED]", (await c.SendAsync("LOGIN frank wrong")).Tagged);
        await c.OkAsync("LOGIN frank pw");
        Assert.StartsWith("t6 BAD", (await c.SendAsync("LOGIN frank pw")).Tagged);
        Assert.StartsWith("t7 BAD", (await c.SendAsync("FETCH 1 FLAGS")).Tagged);
        var logout = await c.SendAsync("LOGOUT");
        Assert.Equal("* BYE Logging out", logout.Untagged[0]);
        Assert.True(await c.ClosedAsync());
    }

    [Fact]
    public async Task Authenticate_plain_with_an_initial_response_and_a_continuation()
    {
        await using var c = await server.ConnectAsync();
        var ir = Convert.ToBase64String("\0gina\0pw"u8.ToArray());
        await c.OkAsync("AUTHENTICATE PLAIN " + ir);
        await using var d = await server.ConnectAsync();
        await d.WriteAsync("a AUTHENTICATE PLAIN\r\n");
        Assert.StartsWith("+", await d.ReadLineAsync());
        await d.WriteAsync(Convert.ToBase64String("\0gina\0bad"u8.ToArray()) + "\r\n");
        Assert.StartsWith("a NO [AUTHENTICATIONFAILED]", (await d.ReadReplyAsync("a")).Tagged);
    }

    [Fact]
    public async Task Append_then_fetch_sections_store_search_copy_move_expunge()
    {
        await using var c = await server.ConnectAsync("frank");
        await c.OkAsync("CREATE Work");
        await c.OkAsync("CREATE Archive");
        var bytes = System.Text.Encoding.ASCII.GetByteCount(Message);
        await c.WriteAsync($"a1 APPEND Work (\\Flagged) {{{bytes}}}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.WriteAsync(Message + "\r\n");
        var append = await c.ReadReplyAsync("a1");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1\]", append.Tagged);
        // LITERAL+: no continuation
        await c.WriteAsync($"a2 APPEND Work {{{bytes}+}}\r\n{Message}\r\n");
        Assert.Matches(@"^a2 OK \[APPENDUID \d+ 2\]", (await c.ReadReplyAsync("a2")).Tagged);

        var select = await c.OkAsync("SELECT Work");
        Assert.Contains("* 2 EXISTS", select.Untagged);
        Assert.Contains(select.Untagged, l => l.StartsWith("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)]"));
        Assert.Contains(select.Untagged, l => l.StartsWith("* OK [UIDNEXT 3]"));
        Assert.EndsWith("[READ-WRITE] SELECT completed", select.Tagged);

        var fetch = await c.OkAsync("FETCH 1 (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (Subject)] BODYSTRUCTURE)");
        var line = Assert.Single(fetch.Untagged);
        Assert.Contains("UID 1 FLAGS (\\Recent \\Flagged)", line); // the first session to select it
        Assert.Contains($"RFC822.SIZE {bytes}", line);
        Assert.Contains("ENVELOPE (\"Tue, 2 Jan 2024 09:00:00 +0000\" \"Report\" ((\"Frank\" NIL \"frank\" \"company.dom\"))", line);
        Assert.Contains("BODY[1] {15}\r\nfirst part body", line);
        Assert.Contains("BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: Report\r\n\r\n", line);
        Assert.Contains("\"mixed\" (\"boundary\" \"b\")", line);

        // BODY[] without PEEK sets \Seen and reports it.
        var seen = await c.OkAsync("FETCH 2 BODY[TEXT]<0.8>");
        Assert.Contains("BODY[TEXT]<0> {8}\r\npreamble", seen.Untagged[0]);
        Assert.Contains("\\Seen", seen.Untagged[0]);

        var search = await c.OkAsync("SEARCH UNSEEN");
        Assert.Equal("* SEARCH 1", search.Untagged[0]);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH SUBJECT report")).Untagged[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("UID SEARCH OR SEEN KEYWORD nothing")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH BODY \"first part\"")).Untagged[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH NOT FLAGGED TEXT nowhere-to-be-found")).Untagged[0]);
        Assert.Matches(@"^\* ESEARCH \(TAG ""t\d+""\) COUNT 2$", (await c.OkAsync("SEARCH RETURN (COUNT) ALL")).Untagged[0]);

        var store = await c.OkAsync("STORE 1 +FLAGS (\\Deleted $Work)");
        Assert.Contains("* 1 FETCH (FLAGS (\\Recent \\Flagged \\Deleted $Work))", store.Untagged);

        var copy = await c.OkAsync("COPY 2 Archive");
        Assert.Matches(@"\[COPYUID \d+ 2 1\]", copy.Tagged);
        var move = await c.OkAsync("UID MOVE 2 Archive");
        Assert.Contains(move.Untagged, l => l.StartsWith("* OK [COPYUID"));
        Assert.Contains("* 2 EXPUNGE", move.Untagged);

        var expunge = await c.OkAsync("EXPUNGE");
        Assert.Contains("* 1 EXPUNGE", expunge.Untagged);
        var status = await c.OkAsync("STATUS Archive (MESSAGES UIDNEXT)");
        Assert.Equal("* STATUS Archive (MESSAGES 2 UIDNEXT 3)", status.Untagged[0]);
        await c.OkAsync("CLOSE");
        Assert.StartsWith("t", (await c.SendAsync("FETCH 1 FLAGS")).Tagged);
    }

    [Fact]
    public async Task A_message_submitted_by_another_process_shows_in_IDLE()
    {
        await using var c = await server.ConnectAsync("hank");
        await c.OkAsync("SELECT INBOX");
        await c.WriteAsync("i1 IDLE\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await server.SubmitAsync("hank@company.dom", "idle test");
        // within the read timeout: the kernel publishes the delivery, the view reports it
        Assert.Equal("* 1 EXISTS", await c.ReadLineAsync());
        await c.WriteAsync("DONE\r\n");
        Assert.StartsWith("i1 OK", (await c.ReadReplyAsync("i1")).Tagged);
    }

    [Fact]
    public async Task Flag_changes_and_expunges_of_another_session_are_reported()
    {
        await using var a = await server.ConnectAsync("ivy");
        await using var b = await server.ConnectAsync("ivy");
        await a.OkAsync("CREATE Shared");
        for (var i = 0; i < 3; i++) await a.WriteAsync($"x{i} APPEND Shared {{{Message.Length}+}}\r\n{Message}\r\n");
        for (var i = 0; i < 3; i++) await a.ReadReplyAsync($"x{i}");
        await a.OkAsync("SELECT Shared");
        await b.OkAsync("SELECT Shared");
        await a.OkAsync("STORE 2 +FLAGS.SILENT (\\Deleted)");
        await a.OkAsync("EXPUNGE");
        // b learns of it at its next command; FETCH may not report the expunge (RFC 3501 §7.4.1), NOOP must.
        var reply = await WaitForAsync(b, "NOOP", r => r.Untagged.Contains("* 2 EXPUNGE"));
        Assert.Contains("* 2 EXPUNGE", reply.Untagged);
        await a.OkAsync("STORE 1 +FLAGS.SILENT (\\Answered)");
        reply = await WaitForAsync(b, "NOOP", r => r.Untagged.Any(l => l.Contains("\\Answered")));
        Assert.Contains(reply.Untagged, l => l.StartsWith("* 1 FETCH (FLAGS (\\Answered"));
    }

    internal static async Task<RawImapClient.Reply> WaitForAsync(RawImapClient c, string command, Func<RawImapClient.Reply, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var reply = await c.OkAsync(command);
            if (done(reply) || DateTime.UtcNow > deadline) return reply;
            await Task.Delay(100);
        }
    }
}
