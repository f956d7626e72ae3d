using Kernel.Testing;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// One running <c>kernel serve</c> with the Imap plugin for every end-to-end class, holding the mailboxes.md §12 test
/// bed: Main Domain company.dom (marketing, public, carol, alice, bob, postmaster, ops with All Users, and erin created
/// after the Account Template got its lists), dept1.company.dom (dave, dadmin with CanAccessMailboxes, dplain without).
/// Every password is "pw". Tests use their own accounts or mailboxes so they do not depend on each other.
/// </summary>
public sealed class ImapServerFixture : IAsyncLifetime
{
    public const string Password = "pw";

    public KernelProcess Kernel { get; private set; } = null!;

    public int Port => Kernel.Listener("imap").Port;

    public int ImapsPort => Kernel.Listener("imap/imaps").Port;

    public async Task InitializeAsync()
    {
        Kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Imap"],
            Settings = new Dictionary<string, string>
            {
                ["Imap:Listen:0"] = "127.0.0.1:0",
                ["Imap:Imaps:Listen:0"] = "127.0.0.1:0",
                ["Imap:MaxLiteral"] = "65536",
                ["Imap:MaxAppendSize"] = "1048576",
            },
        });
        await Cli("domain", "add", "company.dom");
        await Cli("domain", "add", "dept1.company.dom");
        foreach (var name in new[] { "marketing", "public", "carol", "alice", "bob", "ops", "frank", "gina", "hank", "ivy", "judy", "kate", "leo", "mia", "nick", "olga", "pete", "quinn", "rita" })
            await Cli("account", "add", name + "@company.dom", "--password", Password);
        foreach (var name in new[] { "dave", "dadmin", "dplain" })
            await Cli("account", "add", name + "@dept1.company.dom", "--password", Password);
        await Cli("account", "admin", "ops@company.dom", "--server", "AllUsers");
        await Cli("account", "admin", "dadmin@dept1.company.dom", "--domain", "DomainAdministrator,CanAccessMailboxes");
        await Cli("account", "admin", "dplain@dept1.company.dom", "--domain", "DomainAdministrator");
        // X6: the Template lists reach accounts created afterwards (erin), not the ones above.
        await Cli("settings", "set", "--template", "company.dom", "Template.Mailboxes", "Sent");
        await Cli("settings", "set", "--template", "company.dom", "Template.Subscriptions", "INBOX,Sent,~marketing/announce");
        await Cli("settings", "set", "--template", "company.dom", "Template.MailboxAliases", "mkt-announce=~marketing/announce");
        await Cli("account", "add", "erin@company.dom", "--password", Password);
    }

    public async Task<string> Cli(params string[] args)
    {
        var result = await Kernel.CliAsync(args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"kernel {string.Join(' ', args)} failed: {result}");
        return result.Output;
    }

    /// <summary><c>kernel submit</c> from another process; delivery is asynchronous, so callers wait for the message to show.</summary>
    public async Task SubmitAsync(string to, string subject, string body = "Hello.")
    {
        var message = $"From: sender@example.org\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n{body}\r\n";
        var result = await Kernel.CliWithInputAsync(message, "submit", "--from", "sender@example.org", to);
        if (result.ExitCode != 0) throw new InvalidOperationException("kernel submit failed: " + result);
    }

    public async Task<RawImapClient> ConnectAsync(string? user = null)
    {
        var client = await RawImapClient.ConnectAsync(Port);
        if (user is not null) await client.OkAsync($"LOGIN {user} {Password}");
        return client;
    }

    public async Task DisposeAsync() => await Kernel.DisposeAsync();
}

[CollectionDefinition("imap")]
public sealed class ImapCollection : ICollectionFixture<ImapServerFixture>;
