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
        Assert.Contains("FLAGS (\\Recent \\Seen)", fetch.Untagged[0]);
        Assert.Contains("Subject: one", fetch.Untagged[0]);
        Assert.Contains("FLAGS (\\Recent \\Flagged) INTERNALDATE \" 5-Mar-2024 ", fetch.Untagged[1]);
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

    private const string Mime = "From: a@example.org\r\nSubject: bin\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        + "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =3D ok\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n"
        + "--b\r\nContent-Type: application/x-odd\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n"
        + "--b--\r\n";

    [Fact]
    public async Task Binary_fetch_decodes_parts_and_reports_unknown_encodings()
    {
        await using var c = await server.ConnectAsync("nick");
        await c.OkAsync("CREATE Bin");
        await c.WriteAsync($"a1 APPEND Bin {{{Mime.Length}+}}\r\n{Mime}\r\n");
        Assert.StartsWith("a1 OK", (await c.ReadReplyAsync("a1")).Tagged);
        await c.OkAsync("SELECT Bin");

        var peek = await c.OkAsync("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.SIZE[2] BINARY.PEEK[1]<0.4>)");
        var line = Assert.Single(peek.Untagged);
        Assert.Contains("BINARY[1] {10}\r\ncafé = ok", line);
        Assert.Contains("BINARY.SIZE[1] 10", line);
        Assert.Contains("BINARY.SIZE[2] 4", line);
        Assert.Contains("BINARY[1]<0> {4}\r\ncaf", line);
        Assert.DoesNotContain("\\Seen", (await c.OkAsync("FETCH 1 FLAGS")).Untagged[0]);

        // Decoded content with NULs goes out as literal8; BINARY (not PEEK) sets \Seen.
        await c.WriteAsync("b1 FETCH 1 BINARY[2]\r\n");
        var raw = await c.ReadLineAsync();
        Assert.Equal("* 1 FETCH (BINARY[2] ~{4}", raw);
        Assert.Equal("\0\u0001\u0002\u0003 FLAGS (\\Recent \\Seen))", await c.ReadLineAsync()); // the 4 decoded bytes, then the flag it set
        Assert.StartsWith("b1 OK", (await c.ReadReplyAsync("b1")).Tagged);

        Assert.Contains("NO [UNKNOWN-CTE]", (await c.SendAsync("FETCH 1 BINARY.PEEK[3]")).Tagged);
        Assert.Contains("BAD", (await c.SendAsync("FETCH 1 BINARY[1.MIME]")).Tagged);
        Assert.Contains("BINARY[9] NIL", (await c.OkAsync("FETCH 1 BINARY.PEEK[9]")).Untagged[0]);
    }

    [Fact]
    public async Task Append_accepts_a_literal8_message_with_binary_content()
    {
        await using var c = await server.ConnectAsync("nick");
        await c.OkAsync("CREATE Bin8");
        var header = "From: a@example.org\r\nSubject: raw\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        var body = new byte[] { 0, 1, 2, 13, 10, 255 };
        var message = System.Text.Encoding.ASCII.GetBytes(header).Concat(body).ToArray();
        await c.WriteAsync($"a1 APPEND Bin8 ~{{{message.Length}}}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
        await c.WriteAsync(message.Concat("\r\n"u8.ToArray()).ToArray());
        Assert.StartsWith("a1 OK [APPENDUID", (await c.ReadReplyAsync("a1")).Tagged);
        await c.OkAsync("SELECT Bin8");
        Assert.Contains("BINARY.SIZE[1] 6", (await c.OkAsync("FETCH 1 BINARY.SIZE[1]")).Untagged[0]);
    }
}
