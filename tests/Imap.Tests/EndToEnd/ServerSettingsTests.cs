using Kernel.Testing;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// A server of its own, with <c>Imap:LoginDisabledWithoutTls</c> (LOGINDISABLED and NO before STARTTLS, logins after
/// it) and the time zone UTC+5 (date SEARCH keys compare dates in the server's zone).
/// </summary>
public sealed class ServerSettingsTests : IAsyncLifetime
{
    private KernelProcess _kernel = null!;

    public async Task InitializeAsync()
    {
        _kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Imap"],
            Settings = new Dictionary<string, string>
            {
                ["Imap:Listen:0"] = "127.0.0.1:0",
                ["Imap:Imaps:Listen:0"] = "127.0.0.1:0",
                ["Imap:LoginDisabledWithoutTls"] = "true",
            },
            Environment = new Dictionary<string, string> { ["TZ"] = "Etc/GMT-5" }, // POSIX sign: UTC+5
        });
        foreach (var args in new[] { new[] { "domain", "add", "tls.dom" }, ["account", "add", "tina@tls.dom", "--password", "pw"] })
        {
            var result = await _kernel.CliAsync(args);
            Assert.Equal(0, result.ExitCode);
        }
    }

    public async Task DisposeAsync() => await _kernel.DisposeAsync();

    [Fact]
    public async Task Cleartext_logins_are_refused_until_STARTTLS()
    {
        await using var c = await RawImapClient.ConnectAsync(_kernel.Listener("imap").Port);
        Assert.Contains("LOGINDISABLED", c.Greeting);
        Assert.DoesNotContain("AUTH=PLAIN", c.Greeting);
        Assert.StartsWith("t1 NO [PRIVACYREQUIRED]", (await c.SendAsync("LOGIN tina@tls.dom pw")).Tagged);
        // AUTHENTICATE is refused before the continuation, so no password is sent in clear.
        Assert.StartsWith("t2 NO [PRIVACYREQUIRED]", (await c.SendAsync("AUTHENTICATE PLAIN")).Tagged);
        Assert.StartsWith("t3 NO [PRIVACYREQUIRED]", (await c.SendAsync("AUTHENTICATE PLAIN " + Convert.ToBase64String("\0tina@tls.dom\0pw"u8.ToArray()))).Tagged);

        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", _kernel.Listener("imap").Port, SecureSocketOptions.StartTls);
        Assert.False(client.Capabilities.HasFlag(ImapCapabilities.LoginDisabled));
        await client.AuthenticateAsync("tina@tls.dom", "pw");
        Assert.True(client.IsAuthenticated);

        using var implicitTls = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        await implicitTls.ConnectAsync("127.0.0.1", _kernel.Listener("imap/imaps").Port, SecureSocketOptions.SslOnConnect);
        await implicitTls.AuthenticateAsync("tina@tls.dom", "pw");
        Assert.True(implicitTls.IsAuthenticated);
    }

    [Fact]
    public async Task Date_search_keys_use_the_server_time_zone()
    {
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", _kernel.Listener("imap/imaps").Port, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("tina@tls.dom", "pw");
        var message = new MimeKit.MimeMessage { Subject = "late", Body = new MimeKit.TextPart("plain") { Text = "x" } };
        message.From.Add(new MimeKit.MailboxAddress("", "a@example.org"));
        message.Date = new DateTimeOffset(2024, 1, 1, 23, 0, 0, TimeSpan.FromHours(-8)); // sent on 1 January in its own zone
        // 21:30 UTC on 1 March is 2 March in the server's zone.
        await client.Inbox.AppendAsync(new MailKit.AppendRequest(message, MailKit.MessageFlags.None) { InternalDate = new DateTimeOffset(2024, 3, 1, 21, 30, 0, TimeSpan.Zero) });
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Single(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.DeliveredOn(new DateTime(2024, 3, 2))));
        Assert.Empty(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.DeliveredOn(new DateTime(2024, 3, 1))));
        Assert.Single(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.DeliveredBefore(new DateTime(2024, 3, 3))));
        Assert.Empty(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.DeliveredBefore(new DateTime(2024, 3, 2))));
        Assert.Single(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SentOn(new DateTime(2024, 1, 1))));
        // A session-level filter (OR) runs in the plugin rather than the store: same answer.
        Assert.Single(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.DeliveredOn(new DateTime(2024, 3, 2)).Or(MailKit.Search.SearchQuery.SubjectContains("nothing"))));
    }
}
