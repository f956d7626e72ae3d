namespace Imap.Tests.EndToEnd;

/// <summary>
/// mailboxes.md §12 worked examples X1–X8 over IMAP, and the §5.4 denial table: every refusal is the RFC's NO with
/// its code, and the mailbox is unchanged afterwards. Messages come in through <c>kernel submit</c>.
/// </summary>
[Collection("imap")]
public sealed class SharingTests(ImapServerFixture server)
{
    private static string Msg(string subject) => $"From: a@b\r\nSubject: {subject}\r\n\r\nbody\r\n";

    private static async Task AppendAsync(RawImapClient c, string mailbox, string subject)
    {
        var m = Msg(subject);
        await c.OkAsync($"APPEND {mailbox} {{{m.Length}+}}\r\n{m}");
    }

    private static async Task<string> StatusAsync(RawImapClient c, string mailbox) =>
        (await c.OkAsync($"STATUS {mailbox} (MESSAGES UNSEEN HIGHESTMODSEQ)")).Untagged[0];

    [Fact]
    public async Task X1_shared_announce_readable_by_anyone_and_every_denial_leaves_it_unchanged()
    {
        await using var m = await server.ConnectAsync("marketing");
        await m.OkAsync("CREATE announce");
        await m.OkAsync("SETACL announce anyone lrs");
        await AppendAsync(m, "announce", "news");

        await using var a = await server.ConnectAsync("alice");
        var before = await StatusAsync(a, "~marketing/announce");
        var select = await a.OkAsync("SELECT ~marketing/announce");
        Assert.Contains(select.Untagged, l => l.StartsWith("* OK [PERMANENTFLAGS (\\Seen)]"));
        Assert.EndsWith("OK [READ-WRITE] SELECT completed", select.Tagged);
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("STORE 1 +FLAGS (\\Deleted)")).Tagged);      // delete flag (t)
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("STORE 1 +FLAGS (\\Flagged)")).Tagged);      // write flags (w)
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("EXPUNGE")).Tagged);                         // expunge (e)
        var append = await a.SendAsync("APPEND ~marketing/announce {4+}\r\nx\r\n\r\n");
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", append.Tagged);                                                    // insert (i)
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("COPY 1 ~marketing/announce")).Tagged);
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("CREATE ~marketing/announce/sub")).Tagged);   // create (k)
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("DELETE ~marketing/announce")).Tagged);       // delete (x)
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("GETACL ~marketing/announce")).Tagged);       // admin (a)
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await a.SendAsync("SETACL ~marketing/announce alice lrswipkxtecda")).Tagged);
        Assert.Equal("* MYRIGHTS ~marketing/announce lrs", (await a.OkAsync("MYRIGHTS ~marketing/announce")).Untagged[0]);
        await a.OkAsync("UNSELECT");
        Assert.Equal(before, await StatusAsync(a, "~marketing/announce"));
        Assert.Equal("* ACL announce anyone lrs", (await m.OkAsync("GETACL announce")).Untagged[0]);

        // seen (s): with "anyone lr" the session is read-only and \Seen cannot be set.
        await m.OkAsync("CREATE readonly-news");
        await m.OkAsync("SETACL readonly-news anyone lr");
        await AppendAsync(m, "readonly-news", "ro");
        var ro = await a.OkAsync("SELECT ~marketing/readonly-news");
        Assert.Contains(ro.Untagged, l => l.StartsWith("* OK [PERMANENTFLAGS ()]"));
        Assert.EndsWith("OK [READ-ONLY] SELECT completed", ro.Tagged);
        Assert.Matches(@"^t\d+ NO", (await a.SendAsync("STORE 1 +FLAGS (\\Seen)")).Tagged);
        await a.OkAsync("FETCH 1 BODY[]");   // no implicit \Seen without s in a read-only session
        Assert.Contains("UNSEEN 1", await StatusAsync(a, "~marketing/readonly-news"));
    }

    [Fact]
    public async Task Lookup_and_read_denials_do_not_reveal_the_mailbox()
    {
        await using var m = await server.ConnectAsync("marketing");
        await m.OkAsync("CREATE secret");
        await m.OkAsync("CREATE visible");
        await m.OkAsync("SETACL visible bob l");
        await using var b = await server.ConnectAsync("bob");
        var invisible = await b.SendAsync("SELECT ~marketing/secret");
        var absent = await b.SendAsync("SELECT ~marketing/no-such-box");
        var unknownAccount = await b.SendAsync("SELECT ~nobody-here/INBOX");
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\] ", invisible.Tagged);
        // byte-identical apart from the tag (mailboxes.md §5.4)
        Assert.Equal(invisible.Tagged[invisible.Tagged.IndexOf(' ')..], absent.Tagged[absent.Tagged.IndexOf(' ')..]);
        Assert.Equal(invisible.Tagged[invisible.Tagged.IndexOf(' ')..], unknownAccount.Tagged[unknownAccount.Tagged.IndexOf(' ')..]);
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await b.SendAsync("SELECT ~marketing/visible")).Tagged);   // l without r
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await b.SendAsync("MYRIGHTS ~marketing/secret")).Tagged);
        var list = await b.OkAsync("LIST \"\" \"~marketing/*\"");
        Assert.DoesNotContain(list.Untagged, l => l.Contains("secret"));
        Assert.Contains(list.Untagged, l => l.EndsWith("~marketing/visible"));
        Assert.Empty((await b.OkAsync("LIST \"\" \"~*\"")).Untagged);   // accounts are never enumerated
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await b.SendAsync("SUBSCRIBE ~marketing/secret")).Tagged);
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await b.SendAsync("CREATE ~marketing/newtop")).Tagged);
    }

    [Fact]
    public async Task X2_public_account_hands_control_to_carol()
    {
        await using var p = await server.ConnectAsync("public");
        await p.OkAsync("CREATE support");
        await p.OkAsync("SETACL support carol lrswipkxtecda");
        await using var c = await server.ConnectAsync("carol");
        await c.OkAsync("SETACL ~public/support bob lrsi");
        Assert.Equal("* ACL ~public/support carol lrswipkxtecda bob lrsi", (await c.OkAsync("GETACL ~public/support")).Untagged[0]);
        Assert.Equal("* LISTRIGHTS ~public/support bob \"\" l r s w i p kc xted a", (await c.OkAsync("LISTRIGHTS ~public/support bob")).Untagged[0]);
        Assert.StartsWith("t", (await c.SendAsync("SETACL ~public/support bob lrz")).Tagged);
        Assert.Matches(@"^t\d+ BAD", (await c.SendAsync("SETACL ~public/support bob lrz")).Tagged);

        // X4: the shared namespace names the public account; LIST ~public/* shows what bob may look up.
        await using var b = await server.ConnectAsync("bob");
        Assert.Equal("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"~public/\" \"/\"))", (await b.OkAsync("NAMESPACE")).Untagged[0]);
        Assert.Contains((await b.OkAsync("LIST \"\" \"~public/*\"")).Untagged, l => l.EndsWith("\"/\" ~public/support"));
        await using var d = await server.ConnectAsync("dave@dept1.company.dom");
        Assert.EndsWith(" NIL", (await d.OkAsync("NAMESPACE")).Untagged[0]);
    }

    [Fact]
    public async Task X3_X6_subscriptions_and_aliases_from_the_template()
    {
        await using var m = await server.ConnectAsync("marketing");
        await m.SendAsync("CREATE announce");
        await m.OkAsync("SETACL announce anyone lrs");
        await using var e = await server.ConnectAsync("erin");
        var lsub = await e.OkAsync("LSUB \"\" \"*\"");
        Assert.Equal(["* LSUB () \"/\" INBOX", "* LSUB () \"/\" Sent", "* LSUB () \"/\" ~marketing/announce"], lsub.Untagged);
        var list = await e.OkAsync("LIST \"\" \"*\"");
        Assert.Equal(3, list.Untagged.Count);
        Assert.Contains(list.Untagged, l => l.EndsWith(" mkt-announce"));
        var subscribed = await e.OkAsync("LIST (SUBSCRIBED) \"\" \"*\"");
        Assert.Contains("* LIST (\\Subscribed) \"/\" ~marketing/announce", subscribed.Untagged);

        // X5: the alias opens the target with erin's own rights on it.
        var select = await e.OkAsync("SELECT mkt-announce");
        Assert.Contains(select.Untagged, l => l.StartsWith("* OK [PERMANENTFLAGS (\\Seen)]"));
        Assert.Matches(@"^t\d+ NO \[NOPERM\]", (await e.SendAsync("APPEND mkt-announce {4+}\r\nx\r\n\r\n")).Tagged);
        Assert.Matches(@"^t\d+ NO \[CANNOT\]", (await e.SendAsync("DELETE mkt-announce")).Tagged);
        Assert.Contains((await e.OkAsync("LIST \"\" \"*\"")).Untagged, l => l.EndsWith(" mkt-announce"));

        // X3: bob subscribes a foreign name and sees it in LSUB.
        await using var b = await server.ConnectAsync("bob");
        await b.OkAsync("SUBSCRIBE ~marketing/announce");
        Assert.Contains("* LSUB () \"/\" ~marketing/announce", (await b.OkAsync("LSUB \"\" \"*\"")).Untagged);
        await b.OkAsync("UNSUBSCRIBE ~marketing/announce");
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await b.SendAsync("UNSUBSCRIBE ~marketing/announce")).Tagged);
    }

    [Fact]
    public async Task X7_X8_administrators_open_user_mailboxes_and_nobody_else_does()
    {
        await server.SubmitAsync("judy@company.dom", "one");
        await server.SubmitAsync("judy@company.dom", "two");
        await server.SubmitAsync("dave@dept1.company.dom", "for dave");
        await using var j = await server.ConnectAsync("judy");
        await SessionTests.WaitForAsync(j, "STATUS INBOX (MESSAGES)", r => r.Untagged[0].Contains("MESSAGES 2"));

        await using var bob = await server.ConnectAsync("bob");
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await bob.SendAsync("SELECT ~judy/INBOX")).Tagged);
        Assert.Empty((await bob.OkAsync("LIST \"\" \"~judy/*\"")).Untagged);

        await using var o = await server.ConnectAsync("ops");
        Assert.EndsWith("[READ-WRITE] SELECT completed", (await o.OkAsync("SELECT ~judy/INBOX")).Tagged);
        Assert.Equal("* MYRIGHTS ~judy/INBOX lrswipkxtecda", (await o.OkAsync("MYRIGHTS ~judy/INBOX")).Untagged[0]);
        await o.OkAsync("STORE 1:2 +FLAGS.SILENT (\\Deleted)");
        var expunge = await o.OkAsync("EXPUNGE");
        Assert.Equal(["* 1 EXPUNGE", "* 1 EXPUNGE"], expunge.Untagged);
        Assert.Contains("MESSAGES 0", (await j.OkAsync("STATUS INBOX (MESSAGES)")).Untagged[0]);
        Assert.Equal("* ACL INBOX", (await j.OkAsync("GETACL INBOX")).Untagged[0]);
        Assert.EndsWith("[READ-WRITE] SELECT completed", (await o.OkAsync("SELECT ~dave@dept1.company.dom/INBOX")).Tagged);

        await using var da = await server.ConnectAsync("dadmin@dept1.company.dom");
        Assert.EndsWith("[READ-WRITE] SELECT completed", (await da.OkAsync("SELECT ~dave/INBOX")).Tagged);
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await da.SendAsync("SELECT ~alice@company.dom/INBOX")).Tagged);
        await using var dp = await server.ConnectAsync("dplain@dept1.company.dom");
        Assert.Matches(@"^t\d+ NO \[NONEXISTENT\]", (await dp.SendAsync("SELECT ~dave/INBOX")).Tagged);
    }
}
