using System.Text;

namespace Smtp.Tests.Server;

/// <summary>
/// Garbage, NUL bytes, a 1 MB line, bare LF smuggling, size and error limits, a client gone mid-DATA, AUTH brute
/// force and many idle connections: protocol errors with the RFC codes, no crash, nothing half-queued.
/// </summary>
public sealed class BadInputTests(SmtpServerFixture server) : IClassFixture<SmtpServerFixture>
{
    private const string Alice = "alice@main.dom";

    [Fact]
    public async Task GarbageNulBytesAndHugeLinesGetErrorsAndTheSessionGoesOn()
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp);
        Assert.StartsWith("500 5.5.1", await smtp.CommandAsync("\u0001\u0002garbage \u00ff"));
        Assert.StartsWith("500", await smtp.CommandAsync("EH\0LO x"));
        Assert.StartsWith("503 5.5.1", await smtp.CommandAsync("MAIL FROM:<a@b.test>"));   // before EHLO
        await smtp.SendAsync(new string('A', 1024 * 1024) + "\r\n");
        Assert.StartsWith("500 5.5.2", await smtp.ReadReplyAsync());
        Assert.StartsWith("500 5.5.2", await smtp.CommandAsync("NOOP\nNOOP"));             // bare LF ends no command line
        Assert.StartsWith("250", await smtp.ReadReplyAsync());                              // the CRLF-ended NOOP after it
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO still.alive"));
        Assert.StartsWith("503 5.5.1", await smtp.CommandAsync("RCPT TO:<alice@main.dom>"));
        Assert.StartsWith("555 5.5.4", await smtp.CommandAsync("MAIL FROM:<a@b.test> FROBNICATE=1"));
        Assert.StartsWith("552 5.3.4", await smtp.CommandAsync($"MAIL FROM:<a@b.test> SIZE={SmtpServerFixture.MaxMessageSize + 1}"));
        Assert.StartsWith("502 5.5.1", await smtp.CommandAsync("EXPN staff"));
        Assert.StartsWith("221", await smtp.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task TooManyErrorsCloseTheConnectionWith421()
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp);
        for (var i = 0; i < 10; i++) Assert.StartsWith("500 5.5.1", await smtp.CommandAsync("BOGUS"));
        Assert.StartsWith("421 4.7.0", await smtp.ReadReplyAsync());   // after the tenth error, unasked
        Assert.True(await smtp.IsClosedAsync());
    }

    [Fact]
    public async Task SmugglingWithBareLineFeedsIsRefusedAndNothingIsQueued()
    {
        var before = await server.InboxCountAsync(Alice);
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp);
        await smtp.CommandAsync("EHLO smuggler.test");
        await smtp.CommandAsync("MAIL FROM:<a@far.test>");
        await smtp.CommandAsync("RCPT TO:<alice@main.dom>");
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
        // The "\n.\r\n" is no end of data: the smuggled MAIL/RCPT/DATA are message text, refused with it at the real end.
        await smtp.SendAsync("Subject: smuggle\r\n\r\nhello\n.\r\nMAIL FROM:<evil@far.test>\r\nRCPT TO:<alice@main.dom>\r\nDATA\r\nevil\r\n.\r\n");
        Assert.StartsWith("554 5.5.2", await smtp.ReadReplyAsync());
        // The same with BDAT (no dots, same rule for a 7-bit body).
        await smtp.CommandAsync("MAIL FROM:<a@far.test>");
        await smtp.CommandAsync("RCPT TO:<alice@main.dom>");
        var chunk = "Subject: bdat smuggle\r\n\r\nbare\rCR\r\n";
        await smtp.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(chunk)} LAST\r\n{chunk}");
        Assert.StartsWith("554 5.5.2", await smtp.ReadReplyAsync());
        Assert.StartsWith("250", await smtp.CommandAsync("NOOP"));
        Assert.Equal(before, await server.InboxCountAsync(Alice));
    }

    [Fact]
    public async Task OversizeLongLinesAndLoopsAreRefusedAfterTheData()
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp);
        await smtp.CommandAsync("EHLO limits.test");

        await Transaction(smtp);
        var big = new StringBuilder("Subject: big\r\n\r\n");
        while (big.Length <= SmtpServerFixture.MaxMessageSize) big.Append(new string('x', 78)).Append("\r\n");
        Assert.StartsWith("552 5.3.4", await smtp.CommandAsync(big + "."));

        await Transaction(smtp);
        Assert.StartsWith("500 5.5.2", await smtp.CommandAsync("Subject: long\r\n\r\n" + new string('y', 1200) + "\r\n."));

        await Transaction(smtp);
        var loop = new StringBuilder();
        for (var i = 0; i < 51; i++) loop.Append($"Received: from hop{i}.test by hop{i + 1}.test; Thu, 03 Dec 2026 10:00:00 +0000\r\n");
        Assert.StartsWith("554 5.4.6", await smtp.CommandAsync(loop + "Subject: loop\r\n\r\nround and round\r\n."));

        // Recipient limit: 100 accepted, then 452 4.5.3 (RFC 5321 §4.5.3.1.10).
        await smtp.CommandAsync("MAIL FROM:<a@far.test>");
        for (var i = 0; i < 100; i++) Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<alice@main.dom>"));
        Assert.StartsWith("452 4.5.3", await smtp.CommandAsync("RCPT TO:<alice@main.dom>"));
        Assert.StartsWith("250", await smtp.CommandAsync("RSET"));
    }

    [Fact]
    public async Task DisconnectingMidDataQueuesNothing()
    {
        var marker = "cut-" + Guid.NewGuid().ToString("N");
        var queued = (await server.QueueAsync()).GetArrayLength();
        var before = await server.InboxCountAsync(Alice);
        await using (var smtp = await SmtpDialog.OpenAsync(server.Smtp))
        {
            await smtp.CommandAsync("EHLO cut.test");
            await Transaction(smtp);
            await smtp.SendAsync($"Subject: {marker}\r\n\r\nhalf a message\r\n");
        }
        // A complete message after it proves the server went on and the half one never arrived.
        await using (var smtp = await SmtpDialog.OpenAsync(server.Smtp))
        {
            await smtp.CommandAsync("EHLO after.test");
            await Transaction(smtp);
            Assert.StartsWith("250 2.0.0", await smtp.CommandAsync("Subject: after\r\n\r\nwhole\r\n."));
        }
        await server.WaitForInboxAsync(Alice, before + 1);
        Assert.Equal(before + 1, await server.InboxCountAsync(Alice));
        Assert.True((await server.QueueAsync()).GetArrayLength() <= queued);
    }

    [Fact]
    public async Task AuthBruteForceIsSlowedThenRefused()
    {
        // From its own address and against its own account, so the lockout touches no other test.
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, "127.0.0.9");
        await smtp.CommandAsync("EHLO guesser.test");
        var replies = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var challenge = await smtp.CommandAsync("AUTH CRAM-MD5");
            if (!challenge.StartsWith("334 ", StringComparison.Ordinal))
            {
                replies.Add(challenge);
                continue;
            }
            replies.Add(await smtp.CommandAsync(CramMd5.Answer("victim@main.dom", "guess" + i, challenge[4..])));
        }
        Assert.StartsWith("535 5.7.8", replies[0]);
        Assert.Contains(replies, r => r.StartsWith("454 4.7.0", StringComparison.Ordinal));
        // Locked out: even the right password is not checked now.
        await using var again = await SmtpDialog.OpenAsync(server.Smtp, "127.0.0.9");
        await again.CommandAsync("EHLO guesser.test");
        var last = await again.CommandAsync("AUTH CRAM-MD5");
        if (last.StartsWith("334 ", StringComparison.Ordinal)) last = await again.CommandAsync(CramMd5.Answer("victim@main.dom", "victim-pw", last[4..]));
        Assert.StartsWith("454 4.7.0", last);
    }

    [Fact]
    public async Task ManyIdleConnectionsAreBoundedPerAddress()
    {
        // Smtp:MaxConnectionsPerIp = 50: the 51st connection from one address is refused with 421 and closed.
        var open = new List<SmtpDialog>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var dialog = await SmtpDialog.OpenAsync(server.Smtp, "127.0.0.7");
                Assert.StartsWith("220", dialog.Greeting);
                open.Add(dialog);
            }
            await using var refused = await SmtpDialog.OpenAsync(server.Smtp, "127.0.0.7");
            Assert.StartsWith("421 4.7.0", refused.Greeting);
            // Another address is still served.
            await using var other = await SmtpDialog.OpenAsync(server.Smtp, "127.0.0.8");
            Assert.StartsWith("220", other.Greeting);
        }
        finally
        {
            foreach (var dialog in open) await dialog.DisposeAsync();
        }
    }

    private static async Task Transaction(SmtpDialog smtp)
    {
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@far.test>"));
        Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<alice@main.dom>"));
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
    }
}
