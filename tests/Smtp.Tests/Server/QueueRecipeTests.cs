using System.Text;
using System.Text.Json;

namespace Smtp.Tests.Server;

/// <summary>
/// The receiving seed recipes (smtp.md §7–§10, router.md §8): gradual migration (Mail to Unknown rerouted to the old
/// server), relay for a backed-up domain, Hold Mail for Domains with one ETRN releasing several domains, and the
/// ODMR/TURN verbs up to the turn (no delivery side in this branch: 451 after the checks). Queue state via <c>kernel queue list</c>.
/// </summary>
public sealed class QueueRecipeTests(SmtpServerFixture server) : IClassFixture<SmtpServerFixture>
{
    private const string Internet = "127.0.0.4";

    [Fact]
    public async Task GradualMigrationReroutesUnknownUsersToTheOldServer()
    {
        var id = await SendAsync("<someone@far.test>", "<newcomer@migrate.dom>");
        var entry = await EntryAsync(id);
        var recipient = entry.GetProperty("recipients")[0];
        Assert.Equal("newcomer@migrate.dom", recipient.GetProperty("address").GetString());   // the envelope is unchanged
        Assert.Equal("oldserver.dom", recipient.GetProperty("queue").GetString());
    }

    [Fact]
    public async Task RelayForABackedUpDomainIsQueuedForIt()
    {
        var id = await SendAsync("<someone@far.test>", "<bob@backup.dom>");
        Assert.Equal("backup.dom", (await EntryAsync(id)).GetProperty("recipients")[0].GetProperty("queue").GetString());
    }

    [Fact]
    public async Task OneEtrnReleasesEveryDomainHeldInTheQueue()
    {
        // Internet senders reach the held domains (smtp.md §5.3); domain2.dom is routed into queue domain1.dom (§10).
        var first = await SendAsync("<someone@far.test>", "<x@domain1.dom>");
        var second = await SendAsync("<someone@far.test>", "<y@domain2.dom>");
        foreach (var id in new[] { first, second })
        {
            var recipient = (await EntryAsync(id)).GetProperty("recipients")[0];
            Assert.Equal("domain1.dom", recipient.GetProperty("queue").GetString());
        }
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, Internet);
        var ehlo = await smtp.CommandAsync("EHLO dialup.domain1.dom");
        Assert.Contains("250-ETRN", ehlo);
        Assert.StartsWith("501 5.5.4", await smtp.CommandAsync("ETRN"));
        Assert.StartsWith("501 5.5.4", await smtp.CommandAsync("ETRN not a domain!"));
        Assert.StartsWith("459 5.7.1", await smtp.CommandAsync("ETRN main.dom"));          // a local domain
        Assert.StartsWith("251 2.0.0", await smtp.CommandAsync("ETRN nothing-waiting.test"));
        var released = await smtp.CommandAsync("ETRN domain2.dom");                         // finds queue domain1.dom
        Assert.Matches(@"^253 2\.0\.0 OK, [2-9]\d* pending messages for node domain2\.dom started", released);
        await smtp.CommandAsync("MAIL FROM:<a@far.test>");
        Assert.StartsWith("503 5.5.1", await smtp.CommandAsync("ETRN domain1.dom"));       // inside a transaction
    }

    [Fact]
    public async Task AtrnChecksAuthenticationEntitlementAndWaitingMail()
    {
        await EntryAsync(await SendAsync("<someone@far.test>", "<z@customer.dom>"));   // routed into its held queue
        await using var odmr = await SmtpDialog.OpenAsync(server.Odmr, Internet);
        Assert.Contains("ODMR service ready", odmr.Greeting);
        var ehlo = await odmr.CommandAsync("EHLO customer.dom");
        Assert.Contains("250-AUTH CRAM-MD5", ehlo);
        Assert.Contains("250-ATRN", ehlo);
        Assert.StartsWith("502 5.5.1", await odmr.CommandAsync("MAIL FROM:<a@b.test>"));  // RFC 2645 §5.4
        Assert.StartsWith("530 5.7.0", await odmr.CommandAsync("ATRN customer.dom"));
        var challenge = await odmr.CommandAsync("AUTH CRAM-MD5");
        Assert.StartsWith("235 2.7.0", await odmr.CommandAsync(CramMd5.Answer("customer.dom", "customer-pw", challenge[4..])));
        Assert.StartsWith("450 4.7.1", await odmr.CommandAsync("ATRN customer.dom,domain1.dom"));   // one foreign queue refuses all
        // Mail is waiting and the delivery side's turnaround is installed: the connection turns round. This client
        // never greets as a server, so the turnaround gives up and the mail stays held (fetchmail does the whole turn:
        // Delivery/FetchmailTests).
        Assert.StartsWith("250 2.0.0", await odmr.CommandAsync("ATRN customer.dom"));
        await odmr.DisposeAsync();
        Assert.Single((await server.QueueAsync("customer.dom")).EnumerateArray());   // still held
    }

    /// <summary>
    /// RFC 2645 / smtp.md §9.2: one ATRN session per queue. While a first ODMR session's turnaround holds the queue (it has
    /// sent MAIL FROM down the turned connection and waits for our answer), a second real session for the same queue
    /// is refused <c>451 4.3.0</c> (spec table: "being drained by another session"); the first then delivers
    /// everything it holds, and nothing is left behind or delivered twice.
    /// </summary>
    [Fact]
    public async Task ASecondAtrnForAQueueBeingDrainedIsRefused()
    {
        var id = await SendAsync("<someone@far.test>", "<w@customer.dom>");
        await EntryAsync(id);
        await using var first = await OdmrAsync();
        Assert.StartsWith("250 2.0.0", await first.CommandAsync("ATRN customer.dom"));
        // The roles are reversed: we are the customer's server now (RFC 2645 §5.3).
        Assert.StartsWith("EHLO ", await first.CommandAsync("220 customer.dom ready"));
        var mail = await first.CommandAsync("250 customer.dom");
        Assert.StartsWith("MAIL FROM:<", mail);   // the turnaround leased the queue before sending its first message

        await using (var second = await OdmrAsync())
            Assert.StartsWith("451 4.3.0", await second.CommandAsync("ATRN customer.dom"));

        // The first session takes every held message (another test's may be there too), then QUIT.
        var received = new List<string>();
        var command = mail;
        while (true)
        {
            // Several messages down one connection: the client resets between them (RFC 5321 §4.1.1.5).
            if (command.StartsWith("RSET", StringComparison.Ordinal))
            {
                command = await first.CommandAsync("250 2.0.0 OK");
                continue;
            }
            if (!command.StartsWith("MAIL FROM:", StringComparison.Ordinal)) break;
            var rcpt = await first.CommandAsync("250 2.1.0 OK");
            Assert.StartsWith("RCPT TO:<", rcpt);
            Assert.StartsWith("DATA", await first.CommandAsync("250 2.1.5 OK"));
            var content = new StringBuilder();
            var line = await first.CommandAsync("354 go ahead");
            while (line != "." && !line.EndsWith("\n.", StringComparison.Ordinal) && !line.EndsWith("<closed>", StringComparison.Ordinal))
            {
                content.Append(line).Append('\n');
                line = await first.ReadReplyAsync();
            }
            received.Add(content.ToString());
            command = await first.CommandAsync("250 2.0.0 stored");
        }
        Assert.StartsWith("QUIT", command);
        await first.SendAsync("221 bye\r\n");
        Assert.Contains(received, m => m.Contains("Subject: to <w@customer.dom>", StringComparison.Ordinal));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await server.QueueAsync("customer.dom")).GetArrayLength() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the drained messages are still queued");
            await Task.Delay(200);
        }
    }

    private async Task<SmtpDialog> OdmrAsync()
    {
        var odmr = await SmtpDialog.OpenAsync(server.Odmr, Internet);
        await odmr.CommandAsync("EHLO customer.dom");
        var challenge = await odmr.CommandAsync("AUTH CRAM-MD5");
        Assert.StartsWith("235 2.7.0", await odmr.CommandAsync(CramMd5.Answer("customer.dom", "customer-pw", challenge[4..])));
        return odmr;
    }

    /// <summary>smtp.md §9.2 [Decision]: the account setting "ATRN queues" (SMTP.AtrnQueues) entitles any account to more queues.</summary>
    [Fact]
    public async Task TheAtrnQueuesSettingEntitlesAnAccountToMoreQueues()
    {
        await using (var before = await SmtpDialog.OpenAsync(server.Odmr, Internet))
        {
            await before.CommandAsync("EHLO alice.client");
            var challenge = await before.CommandAsync("AUTH CRAM-MD5");
            Assert.StartsWith("235 2.7.0", await before.CommandAsync(CramMd5.Answer("alice@main.dom", "alice-pw", challenge[4..])));
            Assert.StartsWith("450 4.7.1", await before.CommandAsync("ATRN spare.test"));
        }
        await server.CliOkAsync(null, "settings", "set", "SMTP.AtrnQueues", "spare.test", "--account", "alice@main.dom");
        await using var after = await SmtpDialog.OpenAsync(server.Odmr, Internet);
        await after.CommandAsync("EHLO alice.client");
        var again = await after.CommandAsync("AUTH CRAM-MD5");
        Assert.StartsWith("235 2.7.0", await after.CommandAsync(CramMd5.Answer("alice@main.dom", "alice-pw", again[4..])));
        Assert.StartsWith("453 4.3.0", await after.CommandAsync("ATRN spare.test"));   // entitled now; nothing is waiting
        Assert.StartsWith("453 4.3.0", await after.CommandAsync("ATRN"));             // no argument = every entitled queue
    }

    [Fact]
    public async Task TurnNeedsAuthenticationAndAnAccountThatOwnsAQueue()
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, Internet);
        await smtp.CommandAsync("EHLO old.client");
        Assert.StartsWith("530 5.7.0", await smtp.CommandAsync("TURN"));
        var challenge = await smtp.CommandAsync("AUTH CRAM-MD5");
        Assert.StartsWith("235", await smtp.CommandAsync(CramMd5.Answer("alice@main.dom", "alice-pw", challenge[4..])));
        Assert.StartsWith("453 4.3.0", await smtp.CommandAsync("TURN"));   // alice owns no queue: no mail for her
    }

    private async Task<string> SendAsync(string from, string to)
    {
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp, Internet);
        await smtp.CommandAsync("EHLO mx.far.test");
        Assert.StartsWith("250", await smtp.CommandAsync($"MAIL FROM:{from}"));
        var rcpt = await smtp.CommandAsync($"RCPT TO:{to}");
        Assert.True(rcpt.StartsWith("250 2.1.5", StringComparison.Ordinal), $"{to}: {rcpt}");
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
        var queued = await smtp.CommandAsync($"Subject: to {to}\r\n\r\nhello\r\n.");
        Assert.StartsWith("250 2.0.0 OK queued as ", queued);
        return queued["250 2.0.0 OK queued as ".Length..].Trim();
    }

    private async Task<JsonElement> EntryAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            foreach (var entry in (await server.QueueAsync()).EnumerateArray())
            {
                // Routed by the kernel's worker: wait until the recipient has its target queue.
                if (entry.GetProperty("id").GetString() == id && entry.GetProperty("recipients")[0].GetProperty("queue").ValueKind == JsonValueKind.String)
                    return entry;
            }
            Assert.True(DateTime.UtcNow < deadline, $"message {id} not in the queue with a target: {await server.QueueAsync()}");
            await Task.Delay(200);
        }
    }
}
