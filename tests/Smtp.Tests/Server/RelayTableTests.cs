namespace Smtp.Tests.Server;

/// <summary>
/// The classic open-relay test list (smtp.md §5, router.md §9): every attempt from an untrusted, unauthenticated
/// client (127.0.0.3, outside the Client IP Addresses) is refused <c>550 5.7.1</c> and nothing can be queued (DATA
/// then has no recipient); the same from a trusted client, or after AUTH, is accepted.
/// </summary>
public sealed class RelayTableTests(SmtpServerFixture server) : IClassFixture<SmtpServerFixture>
{
    private const string Untrusted = "127.0.0.3";

    public static TheoryData<string> RelayAttempts => new()
    {
        "<victim@far.test>",
        "<victim%far.test@main.dom>",                 // percent hack
        "<victim%far.test@[127.0.0.1]>",              // percent hack at our own IP literal
        "<@main.dom:victim@far.test>",                // source route
        "<@main.dom,@relay.test:victim@far.test>",    // source route with two hops
        "<far.test!victim>",                          // bang path
        "<far.test!victim@main.dom>",                 // bang path at our domain
        "<\"victim@far.test\">",                      // quoted local part, no domain
        "<\"victim@far.test\"@main.dom>",             // quoted local part at our domain
        "<\"victim%far.test\"@main.dom>",
        "<victim@[192.0.2.7]>",                       // foreign IP literal
        "<victim@far.test.>",                         // trailing dot
        "<victim%far.test@migrate.dom>",              // through the Mail-to-Unknown reroute (not simple)
    };

    [Theory]
    [MemberData(nameof(RelayAttempts))]
    public async Task UntrustedUnauthenticatedRelayIsRefused(string recipient)
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, Untrusted);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO relay-tester.test"));
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<spammer@far.test>"));
        var reply = await smtp.CommandAsync($"RCPT TO:{recipient}");
        Assert.True(reply.StartsWith("550 5.7.1", StringComparison.Ordinal) || reply.StartsWith("501 5.1.3", StringComparison.Ordinal)
            || reply.StartsWith("550 5.1.", StringComparison.Ordinal), $"{recipient}: {reply}");
        Assert.StartsWith("554 5.5.1", await smtp.CommandAsync("DATA"));   // nothing accepted, nothing can be queued
    }

    [Theory]
    [InlineData("<victim@far.test>")]
    [InlineData("<victim%far.test@main.dom>")]
    [InlineData("<@main.dom:victim@far.test>")]
    [InlineData("<far.test!victim>")]
    public async Task RelayingIsRefusedWithExactly550571(string recipient)
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, Untrusted);
        await smtp.CommandAsync("EHLO relay-tester.test");
        // RFC 4954 §5: AUTH= from a session that never authenticated grants nothing.
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<spammer@far.test> AUTH=<>"));
        Assert.StartsWith("550 5.7.1", await smtp.CommandAsync($"RCPT TO:{recipient}"));
        Assert.StartsWith("250", await smtp.CommandAsync("RSET"));
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<spammer@far.test> AUTH=alice+40main.dom"));
        Assert.StartsWith("550 5.7.1", await smtp.CommandAsync($"RCPT TO:{recipient}"));
    }

    [Fact]
    public async Task TrustedClientsAndAuthenticatedUsersMayRelay()
    {
        await using (var trusted = await SmtpDialog.OpenAsync(server.Smtp))
        {
            await trusted.CommandAsync("EHLO client.main.dom");
            await trusted.CommandAsync("MAIL FROM:<alice@main.dom>");
            Assert.StartsWith("250 2.1.5", await trusted.CommandAsync("RCPT TO:<victim@far.test>"));
            Assert.StartsWith("250 2.1.5", await trusted.CommandAsync("RCPT TO:<victim%far.test@main.dom>"));
        }
        await using var untrusted = await SmtpDialog.OpenAsync(server.Smtp, Untrusted);
        var ehlo = await untrusted.CommandAsync("EHLO roaming.test");
        Assert.Contains("250-AUTH CRAM-MD5\n", ehlo);   // no clear-text mechanisms for an untrusted plain connection
        Assert.StartsWith("538 5.7.11", await untrusted.CommandAsync("AUTH PLAIN " + Convert.ToBase64String("\0alice@main.dom\0alice-pw"u8.ToArray())));
        var challenge = await untrusted.CommandAsync("AUTH CRAM-MD5");
        Assert.StartsWith("334 ", challenge);
        Assert.StartsWith("235 2.7.0", await untrusted.CommandAsync(CramMd5.Answer("alice@main.dom", "alice-pw", challenge[4..])));
        await untrusted.CommandAsync("MAIL FROM:<alice@main.dom>");
        Assert.StartsWith("250 2.1.5", await untrusted.CommandAsync("RCPT TO:<victim@far.test>"));
    }

    [Fact]
    public async Task LocalAndGrantedRecipientsAreAcceptedFromAnyone()
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, Untrusted);
        await smtp.CommandAsync("EHLO mx.far.test");
        await smtp.CommandAsync("MAIL FROM:<sender@far.test>");
        Assert.StartsWith("250 2.1.5", await smtp.CommandAsync("RCPT TO:<alice@main.dom>"));
        Assert.StartsWith("250 2.1.5", await smtp.CommandAsync("RCPT TO:<postmaster>"));        // RFC 5321 §4.5.1
        Assert.StartsWith("550 5.1.1", await smtp.CommandAsync("RCPT TO:<nobody@main.dom>"));
        Assert.StartsWith("250 2.1.5", await smtp.CommandAsync("RCPT TO:<someone@backup.dom>")); // Relay: record
        Assert.StartsWith("501 5.1.3", await smtp.CommandAsync("RCPT TO:<user@other.dom@main.dom>"));
    }

    /// <summary>
    /// The classification is the kernel's (the Router's snapshot, re-read when settings change): a client address added
    /// to Network.ClientIpAddresses with the CLI, in another process, may relay on its next connection, no restart;
    /// the clear-text mechanisms follow it too. Removed again, it is refused again.
    /// </summary>
    [Fact]
    public async Task AChangedClientListIsPickedUpWithoutRestart()
    {
        const string newClient = "127.0.0.9";
        Assert.StartsWith("550 5.7.1", await RelayReplyAsync(newClient));
        await server.CliOkAsync(null, "settings", "set", "Network.ClientIpAddresses", $"127.0.0.1, ::1, {newClient}");
        try
        {
            Assert.StartsWith("250 2.1.5", await WaitForRelayReplyAsync(newClient, "250"));
            await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, newClient);
            Assert.StartsWith($"220 {SmtpServerFixture.ServerName} ESMTP", smtp.Greeting);   // Smtp:ServerName
            Assert.Contains("AUTH CRAM-MD5 PLAIN LOGIN", await smtp.CommandAsync("EHLO client.main.dom"));
        }
        finally
        {
            await server.CliOkAsync(null, "settings", "set", "Network.ClientIpAddresses", "127.0.0.1, ::1");
        }
        Assert.StartsWith("550 5.7.1", await WaitForRelayReplyAsync(newClient, "550"));
    }

    /// <summary>
    /// smtp.md §5.1: AUTH trusts a session for relaying only while the account's "Relay" service (SMTP.Relay, default
    /// on) is enabled. Off: the account authenticates and sends locally, a remote recipient is refused 550 5.7.1 and
    /// nothing is queued for it; the Router's verdict says why, also in <c>kernel route test</c>.
    /// </summary>
    [Fact]
    public async Task AnAccountWithRelayOffSendsLocallyButCannotRelay()
    {
        await server.CliOkAsync(null, "account", "add", "norelay@main.dom", "--password", "norelay-pw");
        await server.CliOkAsync(null, "account", "set", "norelay@main.dom", "SMTP.Relay", "false");
        var marker = "norelay-" + Guid.NewGuid().ToString("N");
        var inbox = await server.InboxCountAsync("alice@main.dom");
        await using (var smtp = await AuthenticatedAsync("norelay@main.dom", "norelay-pw"))
        {
            await smtp.CommandAsync("MAIL FROM:<norelay@main.dom>");
            Assert.StartsWith("550 5.7.1", await smtp.CommandAsync("RCPT TO:<friend@far.test>"));
            Assert.StartsWith("250 2.1.5", await smtp.CommandAsync("RCPT TO:<alice@main.dom>"));
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
            Assert.StartsWith("250 2.0.0", await smtp.CommandAsync($"Subject: {marker}\r\n\r\nlocal only\r\n."));
        }
        await server.WaitForInboxAsync("alice@main.dom", inbox + 1);
        Assert.DoesNotContain("friend@far.test", (await server.QueueAsync()).GetRawText(), StringComparison.Ordinal);

        var denied = await server.CliOkAsync(null, "route", "test", "friend@far.test", "--from-ip", Untrusted, "--auth", "norelay@main.dom");
        Assert.Contains("relay: denied (authenticated as norelay@main.dom, whose Relay service is off", denied, StringComparison.Ordinal);
        var allowed = await server.CliOkAsync(null, "route", "test", "friend@far.test", "--from-ip", Untrusted, "--auth", "alice@main.dom");
        Assert.Contains("authenticated as alice@main.dom", allowed, StringComparison.Ordinal);

        // Switched on again (the default): the same session shape relays and the message is queued for the far host.
        await server.CliOkAsync(null, "account", "set", "norelay@main.dom", "SMTP.Relay", "true");
        await using var again = await AuthenticatedAsync("norelay@main.dom", "norelay-pw");
        await again.CommandAsync("MAIL FROM:<norelay@main.dom>");
        Assert.StartsWith("250 2.1.5", await again.CommandAsync("RCPT TO:<friend@far.test>"));
        Assert.StartsWith("354", await again.CommandAsync("DATA"));
        Assert.StartsWith("250 2.0.0", await again.CommandAsync($"Subject: {marker} relayed\r\n\r\nout\r\n."));
        Assert.Contains("friend@far.test", (await server.QueueAsync()).GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>An untrusted client (CRAM-MD5: no clear-text mechanism without TLS) that authenticated as <paramref name="account"/>.</summary>
    private async Task<SmtpDialog> AuthenticatedAsync(string account, string password)
    {
        var smtp = await SmtpDialog.OpenAsync(server.Smtp, Untrusted);
        await smtp.CommandAsync("EHLO roaming.test");
        var challenge = await smtp.CommandAsync("AUTH CRAM-MD5");
        Assert.StartsWith("235 2.7.0", await smtp.CommandAsync(CramMd5.Answer(account, password, challenge[4..])));
        return smtp;
    }

    private async Task<string> RelayReplyAsync(string from)
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, from);
        await smtp.CommandAsync("EHLO client.main.dom");
        await smtp.CommandAsync("MAIL FROM:<alice@main.dom>");
        return await smtp.CommandAsync("RCPT TO:<victim@far.test>");
    }

    /// <summary>The change reaches the server within the store's change poll (bounded wait, not a timing assertion).</summary>
    private async Task<string> WaitForRelayReplyAsync(string from, string code)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var reply = await RelayReplyAsync(from);
            if (reply.StartsWith(code, StringComparison.Ordinal) || DateTime.UtcNow > deadline) return reply;
            await Task.Delay(200);
        }
    }
}
