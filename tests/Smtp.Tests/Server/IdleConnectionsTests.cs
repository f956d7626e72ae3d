using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace Smtp.Tests.Server;

/// <summary>
/// Issue 10 "bad input and abuse": 1,000 concurrent idle connections to the SMTP listener of a running <c>kernel serve</c>.
/// Every one is greeted (20 source addresses × 50, the per-address limit); the next one is over the listener's
/// configured total (Smtp MaxConnections 1,000) and gets the kernel's clear <c>421 4.7.0</c>; meanwhile a normal client
/// sends a message that lands in the INBOX and an idle session still runs a transaction; the server's memory growth
/// per idle connection is printed (and bounded); every connection then ends cleanly with <c>QUIT</c>/<c>221</c>.
/// </summary>
public sealed partial class IdleConnectionsTests(SmtpServerFixture server, ITestOutputHelper output) : IClassFixture<SmtpServerFixture>
{
    private const int Addresses = 20;
    private const int PerAddress = 50;   // SmtpServerFixture: Smtp:MaxConnectionsPerIp

    [Fact]
    public async Task A_thousand_idle_connections_are_greeted_bounded_and_closed_cleanly()
    {
        var before = Memory(server.Kernel.ProcessId);
        var open = new List<SmtpDialog>(Addresses * PerAddress);
        try
        {
            for (var a = 1; a <= Addresses; a++)
            {
                var from = $"127.0.3.{a}";
                var batch = await Task.WhenAll(Enumerable.Range(0, PerAddress).Select(_ => SmtpDialog.OpenAsync(server.Smtp, from)));
                open.AddRange(batch);
                Assert.All(batch, d => Assert.StartsWith($"220 {SmtpServerFixture.ServerName} ESMTP", d.Greeting));
            }
            Assert.Equal(1000, open.Count);
            var after = Memory(server.Kernel.ProcessId);
            output.WriteLine($"kernel serve with {open.Count} idle SMTP connections: RSS {before.Rss / 1024} → {after.Rss / 1024} KiB " +
                $"({(after.Rss - before.Rss) / open.Count} B per connection), PSS {before.Pss / 1024} → {after.Pss / 1024} KiB " +
                $"({(after.Pss - before.Pss) / open.Count} B per connection)");
            // Bounded: a generous ceiling (an idle session holds a socket, pipes and a small state object, not megabytes).
            Assert.True(after.Rss - before.Rss < 256L * 1024 * open.Count, $"RSS grew by {(after.Rss - before.Rss) / 1024} KiB");

            // Over the listener's total: the kernel's refusal, from an address that has no connection yet.
            await using (var refused = await SmtpDialog.OpenAsync(server.Smtp, "127.0.3.200"))
                Assert.StartsWith("421 4.7.0", refused.Greeting);

            // Still responsive: a normal client sends a message (Submission listener), and an idle session runs a transaction.
            var inbox = await server.InboxCountAsync("alice@main.dom");
            using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
            {
                await client.ConnectAsync("127.0.0.1", server.Submission.Port, SecureSocketOptions.StartTls);
                await client.AuthenticateAsync("alice@main.dom", "alice-pw");
                var message = new MimeMessage { Subject = "while 1000 wait" };
                message.From.Add(MailboxAddress.Parse("alice@main.dom"));
                message.To.Add(MailboxAddress.Parse("alice@main.dom"));
                message.Body = new TextPart("plain") { Text = "hello\r\n" };
                await client.SendAsync(message);
                await client.DisconnectAsync(true);
            }
            var idle = open[open.Count / 2];
            Assert.StartsWith("250", await idle.CommandAsync("EHLO idle.test"));
            Assert.StartsWith("250", await idle.CommandAsync("MAIL FROM:<idle@far.test>"));
            Assert.StartsWith("250", await idle.CommandAsync("RCPT TO:<alice@main.dom>"));
            Assert.StartsWith("354", await idle.CommandAsync("DATA"));
            Assert.StartsWith("250 2.0.0", await idle.CommandAsync("Subject: from an idle session\r\n\r\nstill here\r\n."));
            await server.WaitForInboxAsync("alice@main.dom", inbox + 2);

            // Every session ends cleanly: QUIT → 221, in parallel batches.
            foreach (var chunk in open.Chunk(100))
                Assert.All(await Task.WhenAll(chunk.Select(d => d.CommandAsync("QUIT"))), r => Assert.StartsWith("221", r));
        }
        finally
        {
            foreach (var dialog in open) await dialog.DisposeAsync();
        }
        // The listener's counts went back down: a new client is greeted again (bounded wait for the sessions to end).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var again = await SmtpDialog.OpenAsync(server.Smtp, "127.0.3.200");
            if (again.Greeting.StartsWith("220", StringComparison.Ordinal)) break;
            Assert.True(DateTime.UtcNow < deadline, $"still refused after every connection closed: {again.Greeting}");
            await Task.Delay(200);
        }
        Assert.False(server.Kernel.HasExited);
    }

    /// <summary>The process's resident set (VmRSS) and proportional set (Pss, smaps_rollup), in bytes.</summary>
    private static (long Rss, long Pss) Memory(int pid)
    {
        var rss = Kilobytes(File.ReadAllText($"/proc/{pid}/status"), "VmRSS");
        var pss = Kilobytes(File.ReadAllText($"/proc/{pid}/smaps_rollup"), "Pss");
        return (rss * 1024, pss * 1024);
    }

    private static long Kilobytes(string text, string field) =>
        long.Parse(FieldPattern().Matches(text).First(m => m.Groups[1].Value == field).Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(\w+):\s+(\d+) kB", RegexOptions.Multiline)]
    private static partial Regex FieldPattern();
}
