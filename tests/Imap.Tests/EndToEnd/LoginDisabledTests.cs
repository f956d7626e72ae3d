using Kernel.Testing;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Imap.Tests.EndToEnd;

/// <summary><c>Imap:LoginDisabledWithoutTls</c> on its own server: LOGINDISABLED and NO before STARTTLS, logins after it.</summary>
public sealed class LoginDisabledTests : IAsyncLifetime
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
}
