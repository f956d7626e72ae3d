using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Smtp.Tests.Server;

/// <summary>
/// RFC 5321 §4.4 through a running <c>kernel serve</c>: a message that arrives by SMTP or <c>kernel submit</c> and is
/// delivered locally reads back over IMAP with <c>Return-Path: &lt;reverse-path&gt;</c> first (<c>&lt;&gt;</c> for the
/// null sender), and BODY[], RFC822.SIZE, BODY[HEADER] and a partial fetch agree on it. The field is a prefix the
/// mailbox store keeps with the message: the body file on disk is the message as received, once.
/// </summary>
public sealed class ReturnPathTests(SmtpServerFixture server) : IClassFixture<SmtpServerFixture>
{
    private const string Alice = "alice@main.dom";

    [Theory]
    [InlineData("sender@far.test", "Return-Path: <sender@far.test>\r\n")]
    [InlineData("", "Return-Path: <>\r\n")]   // a bounce: the null reverse-path
    public async Task A_message_received_by_SMTP_reads_back_with_its_Return_Path_first(string sender, string field)
    {
        var marker = "smtp-" + Guid.NewGuid().ToString("N");
        await using (var smtp = await SmtpDialog.OpenAsync(server.Smtp, "127.0.0.5"))
        {
            await smtp.CommandAsync("EHLO mx.far.test");
            Assert.StartsWith("250", await smtp.CommandAsync($"MAIL FROM:<{sender}>"));
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"));
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
            Assert.StartsWith("250 2.0.0", await smtp.CommandAsync($"From: <{sender}>\r\nSubject: {marker}\r\n\r\nhello\r\n."));
        }
        var message = await FetchAsync(marker);
        Assert.StartsWith(field + "Received: from ", message.Whole, StringComparison.Ordinal);
        // The body file is what arrived (our Received: first), stored once; the field is not in it.
        Assert.Equal(message.Whole, field + StoredBody(marker));
    }

    [Fact]
    public async Task A_message_from_kernel_submit_reads_back_with_its_Return_Path_first()
    {
        var marker = "submit-" + Guid.NewGuid().ToString("N");
        var text = $"From: <boss@far.test>\r\nSubject: {marker}\r\n\r\nsubmitted\r\n";
        await server.CliOkAsync(text, "submit", "--from", "boss@far.test", Alice);
        var message = await FetchAsync(marker);
        Assert.Equal("Return-Path: <boss@far.test>\r\n" + text, message.Whole);
    }

    private sealed record Fetched(string Whole);

    /// <summary>
    /// Waits (bounded) for the message with subject <paramref name="marker"/> in Alice's INBOX and reads it over IMAP:
    /// BODY[], RFC822.SIZE, BODY[HEADER] and BODY[]&lt;0.20&gt; must agree with each other.
    /// </summary>
    private async Task<Fetched> FetchAsync(string marker)
    {
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await imap.ConnectAsync("127.0.0.1", server.Imap.Port, SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(Alice, "alice-pw");
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        UniqueId uid;
        while (true)
        {
            var found = await inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(marker));
            if (found.Count > 0) { uid = found[0]; break; }
            Assert.True(DateTime.UtcNow < deadline, $"no message {marker} in INBOX");
            await Task.Delay(200);
            await imap.NoOpAsync();
        }
        var whole = await SectionAsync(inbox, uid, "");
        var size = Assert.Single(await inbox.FetchAsync([uid], MessageSummaryItems.Size)).Size;
        Assert.Equal((uint)Encoding.UTF8.GetByteCount(whole), size);
        var header = await SectionAsync(inbox, uid, "HEADER");
        Assert.StartsWith("Return-Path: <", header, StringComparison.Ordinal);
        Assert.Equal(whole[..header.Length], header);
        Assert.EndsWith("\r\n\r\n", header, StringComparison.Ordinal);
        await using (var partial = await inbox.GetStreamAsync(uid, 0, 20))
        {
            using var reader = new StreamReader(partial, Encoding.UTF8);
            Assert.Equal(whole[..20], await reader.ReadToEndAsync());
        }
        await imap.DisconnectAsync(true);
        return new Fetched(whole);
    }

    private static async Task<string> SectionAsync(IMailFolder folder, UniqueId uid, string section)
    {
        await using var stream = await folder.GetStreamAsync(uid, section);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The one stored body holding <paramref name="marker"/> (a second copy with the field would be a second body).</summary>
    private string StoredBody(string marker)
    {
        var bodies = Kernel.Testing.StoredBodies.ReadAll(server.Kernel.DataDirectory)
            .Select(Encoding.UTF8.GetString).Where(t => t.Contains(marker, StringComparison.Ordinal)).ToList();
        return Assert.Single(bodies);
    }
}
