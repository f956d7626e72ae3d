namespace Imap.Tests.EndToEnd;

/// <summary>
/// APPEND beyond the basics against a running kernel: the mailbox name as a literal (RFC 3501 astring), MULTIAPPEND
/// (RFC 3502, all or nothing, APPENDUID with a UID set) and literal8 (RFC 3516).
/// </summary>
[Collection("imap")]
public sealed class AppendExtensionTests(ImapServerFixture server)
{
    private static string Message(string subject) => $"From: a@example.org\r\nSubject: {subject}\r\n\r\nBody of {subject}\r\n";

    [Fact]
    public async Task The_mailbox_name_may_be_a_synchronizing_or_non_synchronizing_literal()
    {
        await using var c = await server.ConnectAsync("kate");
        var m = Message("lit");
        await c.WriteAsync("a1 APPEND {5}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.WriteAsync($"INBOX (\\Seen) {{{m.Length}}}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.WriteAsync(m + "\r\n");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1\]", (await c.ReadReplyAsync("a1")).Tagged);

        await c.OkAsync("CREATE \"Lit {box}\"");
        await c.WriteAsync($"a2 APPEND {{9+}}\r\nLit {{box}} {{{m.Length}+}}\r\n{m}\r\n");
        Assert.Matches(@"^a2 OK \[APPENDUID \d+ 1\]", (await c.ReadReplyAsync("a2")).Tagged);
        Assert.Equal("* STATUS INBOX (MESSAGES 1)", (await c.OkAsync("STATUS {5+}\r\nINBOX (MESSAGES)")).Untagged[0]);
        Assert.Equal("* STATUS \"Lit {box}\" (MESSAGES 1)", (await c.OkAsync("STATUS {9+}\r\nLit {box} (MESSAGES)")).Untagged[0]);
    }

    [Fact]
    public async Task Multiappend_stores_every_message_with_consecutive_uids()
    {
        await using var c = await server.ConnectAsync("kate");
        await c.OkAsync("CREATE Multi");
        Assert.Contains("MULTIAPPEND", (await c.OkAsync("CAPABILITY")).Untagged[0]);
        string m1 = Message("one"), m2 = Message("two"), m3 = Message("three");
        await c.WriteAsync($"a1 APPEND Multi (\\Seen) {{{m1.Length}}}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.WriteAsync($"{m1} (\\Flagged) \" 5-Mar-2024 10:00:00 +0100\" {{{m2.Length}}}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.WriteAsync($"{m2} {{{m3.Length}+}}\r\n{m3}\r\n");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1:3\]", (await c.ReadReplyAsync("a1")).Tagged);

        await c.OkAsync("SELECT Multi");
        var fetch = await c.OkAsync("FETCH 1:3 (FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains("FLAGS (\\Seen)", fetch.Untagged[0]);
        Assert.Contains("Subject: one", fetch.Untagged[0]);
        Assert.Contains("FLAGS (\\Flagged) INTERNALDATE \" 5-Mar-2024 ", fetch.Untagged[1]);
        Assert.Contains("Subject: three", fetch.Untagged[2]);
    }

    [Fact]
    public async Task Multiappend_stores_nothing_when_one_message_is_refused()
    {
        await using var c = await server.ConnectAsync("leo");
        await c.OkAsync("CREATE Atomic");
        string m = Message("x");
        // A syntax error in the second message's attributes: BAD, and the first message is not stored either.
        await c.WriteAsync($"a1 APPEND Atomic {{{m.Length}+}}\r\n{m} (\\Seen \"bad date\" {{{m.Length}+}}\r\n{m}\r\n");
        Assert.StartsWith("a1 BAD", (await c.ReadReplyAsync("a1")).Tagged);
        Assert.Equal("* STATUS Atomic (MESSAGES 0 UIDNEXT 1)", (await c.OkAsync("STATUS Atomic (MESSAGES UIDNEXT)")).Untagged[0]);

        // Over quota only with all messages together: the kernel refuses the batch as a whole (mia keeps this quota).
        await using var q = await server.ConnectAsync("mia");
        await q.OkAsync("CREATE Atomic");
        var big = Message("big" + new string('x', 1500));
        await server.Cli("settings", "set", "--account", "mia@company.dom", "MailboxQuotaBytes", "5000");
        await q.WriteAsync($"a2 APPEND Atomic {{{big.Length}+}}\r\n{big} {{{big.Length}+}}\r\n{big}\r\n");
        Assert.StartsWith("a2 NO [OVERQUOTA]", (await q.ReadReplyAsync("a2")).Tagged);
        Assert.Equal("* STATUS Atomic (MESSAGES 0)", (await q.OkAsync("STATUS Atomic (MESSAGES)")).Untagged[0]);
        await q.WriteAsync($"a3 APPEND Atomic {{{big.Length}+}}\r\n{big}\r\n");
        Assert.StartsWith("a3 OK", (await q.ReadReplyAsync("a3")).Tagged);

        // A mailbox that does not exist: refused before the first literal.
        await c.WriteAsync($"a4 APPEND Nowhere {{{m.Length}}}\r\n");
        Assert.StartsWith("a4 NO [TRYCREATE]", (await c.ReadReplyAsync("a4")).Tagged);
    }

    [Fact]
    public async Task A_client_vanishing_in_the_second_message_of_a_multiappend_leaves_nothing()
    {
        await using (var c = await server.ConnectAsync("leo"))
        {
            await c.OkAsync("CREATE Vanish");
            var m = Message("v");
            await c.WriteAsync($"a1 APPEND Vanish {{{m.Length}+}}\r\n{m} {{500+}}\r\npartial");
            await Task.Delay(200);
            c.Abort();
        }
        await using var d = await server.ConnectAsync("leo");
        Assert.Equal("* STATUS Vanish (MESSAGES 0)", (await d.OkAsync("STATUS Vanish (MESSAGES)")).Untagged[0]);
    }
}
