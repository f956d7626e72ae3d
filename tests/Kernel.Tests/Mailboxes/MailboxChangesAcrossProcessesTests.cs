using System.Globalization;
using Kernel.Testing;
using Kernel.Tests.Durability;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Issue 7 §3 "done when": a change made by <c>kernel</c> in another process reaches a bus subscriber in the server
/// within a second. A real server runs tests/Plugins/MailboxWatchProbe, which records every MailboxChanged and
/// SubscriptionsChanged with the time it arrived; the CLI changes mailboxes from its own process.
/// </summary>
[Collection(ProcessTestCollection.Name)]
public sealed class MailboxChangesAcrossProcessesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Changes_made_by_the_cli_in_another_process_reach_a_plugins_bus_subscriber_within_a_second()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions { Plugins = ["MailboxWatchProbe"] });
        var changes = Path.Combine(kernel.DataDirectory, "plugins", "MailboxWatchProbe", "changes");

        await CliAsync(kernel, "domain", "add", "test.dom");
        await CliAsync(kernel, "account", "add", "alice@test.dom", "--password", "pw");
        await CliAsync(kernel, "account", "add", "bob@test.dom", "--password", "pw");
        // Account creation is announced too (INBOX created), from the account store's transaction.
        var inbox = await WaitForAsync(changes, l => l.Kind == "Created" && l.Owner == "alice@test.dom" && l.Mailbox == "INBOX");

        await CliAsync(kernel, "mailbox", "create", "alice@test.dom", "Projects");
        var created = await WaitForAsync(changes, l => l.Kind == "Created" && l.Mailbox == "Projects");

        await CliAsync(kernel, "mailbox", "acl", "set", "~alice@test.dom/Projects", "bob", "lr");
        var acl = await WaitForAsync(changes, l => l.Kind == "AclChanged" && l.Mailbox == "Projects");
        Assert.Equal(created.MailboxId, acl.MailboxId);

        await CliAsync(kernel, "subscription", "add", "bob@test.dom", "~alice@test.dom/Projects");
        var subscribed = await WaitForAsync(changes, l => l.Kind == "Subscriptions" && l.Owner == "bob@test.dom");

        // Every change made in the other process arrived within a second of being made (the server polls every 250 ms).
        foreach (var line in new[] { inbox, created, acl, subscribed })
            Assert.True(line.Latency < TimeSpan.FromSeconds(1), $"{line.Kind} {line.Mailbox} arrived {line.Latency.TotalMilliseconds} ms after it was made");

        // A delivery by the server itself (kernel submit queues it; the server delivers it) is published at once, by id.
        var submit = await kernel.CliWithInputAsync("Subject: hello\r\n\r\nbody\r\n", "submit", "--from", "someone@remote.example", "alice@test.dom");
        Assert.True(submit.ExitCode == 0, submit.Error);
        var appended = await WaitForAsync(changes, l => l.Kind == "Appended" && l.Mailbox == "INBOX");
        Assert.Equal((inbox.MailboxId, "2", "1"), (appended.MailboxId, appended.UidNext, appended.Messages));

        // Nothing was announced twice (own changes are not read back from the change log).
        var lines = await ReadAsync(changes);
        Assert.Single(lines, l => l.Kind == "Created" && l.Mailbox == "Projects");
        Assert.Single(lines, l => l.Kind == "Appended");
    }

    private static async Task CliAsync(KernelProcess kernel, params string[] args)
    {
        var result = await kernel.CliAsync(args);
        Assert.True(result.ExitCode == 0, $"kernel {string.Join(' ', args)}: {result.Error}");
    }

    private sealed record Line(DateTimeOffset Received, DateTimeOffset At, string Kind, string Owner, string? MailboxId, string? Mailbox, string? UidNext, string? Messages)
    {
        public TimeSpan Latency => Received - At;
    }

    private static async Task<Line> WaitForAsync(string file, Func<Line, bool> match)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var found = (await ReadAsync(file)).FirstOrDefault(match);
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no matching change within " + Wait + ":\n" + (File.Exists(file) ? await File.ReadAllTextAsync(file) : "(none)"));
            await Task.Delay(20);
        }
    }

    private static async Task<List<Line>> ReadAsync(string file)
    {
        if (!File.Exists(file)) return [];
        var result = new List<Line>();
        foreach (var text in await File.ReadAllLinesAsync(file))
        {
            var f = text.Split(' ');
            if (f.Length < 4) continue; // a line being written
            DateTimeOffset Time(string ms) => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, CultureInfo.InvariantCulture));
            result.Add(f.Length >= 8
                ? new Line(Time(f[0]), Time(f[1]), f[2], f[3], f[4], f[5], f[6], f[7])
                : new Line(Time(f[0]), Time(f[1]), f[2], f[3], null, null, null, null));
        }
        return result;
    }
}
