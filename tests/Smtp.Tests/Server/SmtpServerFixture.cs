using System.Net;
using System.Text.Json;
using Kernel.Testing;

namespace Smtp.Tests.Server;

/// <summary>
/// One running <c>kernel serve</c> with the Smtp, Router and Imap plugins for a test class: every SMTP role on a free
/// 127.0.0.1 port, a 1 MB message limit, a login throttle that locks out after a few failures, and the directory of
/// the seed recipes — Main Domain <c>main.dom</c> (alice, victim, and the ODMR customers <c>domain1.dom</c> and
/// <c>customer.dom</c>), <c>migrate.dom</c> whose unknown users go to the old server, <c>domain2.dom</c> routed into
/// the held queue <c>domain1.dom</c>, and a <c>Relay:</c> record for the backed-up <c>backup.dom</c>.
/// The default Client IP Addresses (127.0.0.1, ::1) make 127.0.0.1 trusted; tests connect from 127.0.0.3 and up to be untrusted.
/// </summary>
public sealed class SmtpServerFixture : IAsyncLifetime
{
    public const long MaxMessageSize = 1_000_000;

    /// <summary>Smtp:ServerName: the greeting, EHLO and Received: name (and the delivery side's EHLO name).</summary>
    public const string ServerName = "mx.main.dom";

    public KernelProcess Kernel { get; private set; } = null!;

    public IPEndPoint Smtp => Kernel.Listener("smtp");

    public IPEndPoint Submission => Kernel.Listener("smtp/submission");

    public IPEndPoint Smtps => Kernel.Listener("smtp/smtps");

    public IPEndPoint Odmr => Kernel.Listener("smtp/odmr");

    public IPEndPoint Imap => Kernel.Listener("imap");

    public async Task InitializeAsync()
    {
        Kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            // Imap reads back what local delivery stored (Return-Path, RFC 5321 §4.4).
            Plugins = ["Smtp", "Router", "Imap"],
            Settings = new Dictionary<string, string>
            {
                ["Smtp:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Submission:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Smtps:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Odmr:Listen:0"] = "127.0.0.1:0",
                ["Imap:Listen:0"] = "127.0.0.1:0",
                ["Smtp:ServerName"] = ServerName,
                // No DNS answers here (nothing listens on the discard port): remote mail stays queued (4.4.3) where the
                // recipes look at it, instead of going to the system resolver and bouncing.
                ["Dns:Servers:0"] = "127.0.0.1:9",
                ["Dns:Retries"] = "0",
                ["Smtp:MaxConnectionsPerIp"] = "50",
                ["Smtp:MaxErrors"] = "10",
                ["Kernel:MaxMessageSize"] = MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Kernel:LoginThrottle:FreeFailures"] = "2",
                ["Kernel:LoginThrottle:DelayStepMilliseconds"] = "20",
                ["Kernel:LoginThrottle:LockoutFailures"] = "5",
            },
        });
        await CliOkAsync(null, "domain", "add", "main.dom");
        await CliOkAsync(null, "account", "add", "alice@main.dom", "--password", "alice-pw");
        await CliOkAsync(null, "account", "add", "victim@main.dom", "--password", "victim-pw");
        await CliOkAsync(null, "account", "add", "domain1.dom@main.dom", "--password", "odmr-pw");
        await CliOkAsync(null, "account", "add", "customer.dom@main.dom", "--password", "customer-pw");
        await CliOkAsync(null, "domain", "add", "migrate.dom");
        await CliOkAsync(null, "domain", "set", "migrate.dom", "MailToUnknown", "Rerouted:*%migrate.dom@oldserver.dom.via");
        await CliOkAsync(null, "settings", "set", "SMTP.HoldDomains", "domain1.dom, customer.dom");
        await CliOkAsync("domain2.dom = domain2.dom@domain1.dom.via\nRelay: backup.dom = backup.dom@backup.dom.via\n", "router", "set", "-");
        await Kernel.WaitForLogAsync(l => l.Contains("router table loaded: 2 records", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    public Task<CliResult> CliAsync(string? input, params string[] args) =>
        KernelCli.RunAsync(Kernel.DataDirectory, input, [.. args, $"--Kernel:PluginsDirectory={Kernel.PluginsDirectory}"]);

    public async Task<string> CliOkAsync(string? input, params string[] args)
    {
        var result = await CliAsync(input, args);
        Assert.True(result.ExitCode == 0, $"kernel {string.Join(' ', args)}: {result}");
        return result.Output;
    }

    /// <summary>Messages in an account's INBOX (<c>kernel mailbox list --json</c>).</summary>
    public async Task<int> InboxCountAsync(string account)
    {
        using var json = JsonDocument.Parse(await CliOkAsync(null, "mailbox", "list", account, "--json"));
        return json.RootElement.EnumerateArray().First(m => m.GetProperty("name").GetString() == "INBOX").GetProperty("messages").GetInt32();
    }

    /// <summary>Waits (bounded) until the INBOX holds <paramref name="count"/> messages: delivery from the queue is asynchronous.</summary>
    public async Task WaitForInboxAsync(string account, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await InboxCountAsync(account) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{account}'s INBOX did not reach {count} messages");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The stored message received by SMTP that contains <paramref name="marker"/> (a unique subject), from the body store.
    /// </summary>
    public string FindStoredMessage(string marker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            foreach (var body in StoredBodies.ReadAll(Kernel.DataDirectory))
            {
                var text = System.Text.Encoding.UTF8.GetString(body);
                // Only what came in by SMTP (our trace field first), never a DSN that quotes the message.
                if (text.StartsWith("Received: from ", StringComparison.Ordinal) && text.Contains(marker, StringComparison.Ordinal)) return text;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no stored message contains {marker}");
            Thread.Sleep(200);
        }
    }

    /// <summary><c>kernel queue list --json</c>, parsed.</summary>
    public async Task<JsonElement> QueueAsync(string? queue = null)
    {
        var output = queue is null ? await CliOkAsync(null, "queue", "list", "--json") : await CliOkAsync(null, "queue", "list", "--queue", queue, "--json");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public async Task DisposeAsync() => await Kernel.DisposeAsync();
}
