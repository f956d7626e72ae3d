using System.Text.Json;
using Kernel.Testing;

namespace Rules.Tests;

/// <summary>
/// One running <c>kernel serve</c> with the Rules plugin for the end-to-end tests, set up as rules.md §12 asks: Main
/// Domain <c>company.dom</c>, <c>dept1.company.dom</c>, Account <c>security</c> with Mailbox <c>outgoing</c>, and users.
/// Messages enter with <c>kernel submit</c> (the CLI process runs the server-wide rules at submission, as any
/// submitter); delivery, domain and account rules run in the server.
/// </summary>
public sealed class RulesServerFixture : IAsyncLifetime
{
    public KernelProcess Kernel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Kernel = await KernelProcess.StartAsync(new KernelProcessOptions { Plugins = ["Rules"] });
        foreach (var domain in new[] { "company.dom", "dept1.company.dom" }) await Ok("domain", "add", domain);
        foreach (var account in new[] { "security@company.dom", "alice@company.dom", "bob@company.dom", "carol@company.dom", "dave@dept1.company.dom", "erin@dept1.company.dom", "boss@dept1.company.dom", "loop1@company.dom", "loop2@company.dom", "loop3@company.dom", "loop4@company.dom" })
            await Ok("account", "add", account, "--password", "pw");
        await Ok("mailbox", "create", "~security/outgoing");
        await Ok("mailbox", "create", "~carol/Private");
    }

    public async Task DisposeAsync() => await Kernel.DisposeAsync();

    public Task<CliResult> Cli(string? input, params string[] args) =>
        KernelCli.RunAsync(Kernel.DataDirectory, input, [.. args, $"--Kernel:PluginsDirectory={Kernel.PluginsDirectory}"]);

    public async Task<CliResult> Ok(params string[] args)
    {
        var result = await Cli(null, args);
        Assert.True(result.ExitCode == 0, $"kernel {string.Join(' ', args)}: {result}");
        return result;
    }

    public async Task SetRules(string target, string text, params string[] more)
    {
        var result = await Cli(text, ["rules", "set", .. target.Split(' '), "-", .. more]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary><c>kernel submit</c> of a small message; the result says whether the queue took it.</summary>
    public Task<CliResult> Submit(string from, string[] to, string subject, string extraHeader = "") =>
        Cli($"From: <{from}>\nTo: {string.Join(", ", to.Select(t => $"<{t}>"))}\nSubject: {subject}\nMessage-ID: <{Guid.NewGuid():N}@test>\n{extraHeader}\nbody of {subject}\n",
            ["submit", "--from", from, .. to]);

    /// <summary>Message counts of an account's mailboxes.</summary>
    public async Task<Dictionary<string, int>> Counts(string account)
    {
        var result = await Ok("mailbox", "list", account, "--json");
        using var json = JsonDocument.Parse(result.Output);
        return json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("messages").GetInt32(), StringComparer.OrdinalIgnoreCase);
    }

    public async Task<int> Count(string account, string mailbox = "INBOX") => (await Counts(account)).GetValueOrDefault(mailbox);

    /// <summary>Waits (bounded) until an account's mailbox holds at least <paramref name="expected"/> messages; returns the count seen.</summary>
    public async Task<int> WaitForCount(string account, string mailbox, int expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var count = await Count(account, mailbox);
            if (count >= expected || DateTime.UtcNow > deadline) return count;
            await Task.Delay(200);
        }
    }

    /// <summary>Waits (bounded) until no queued message has a local recipient left (remote ones wait for a transport this server lacks).</summary>
    public async Task WaitForLocalDeliveries(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var list = (await Ok("queue", "list")).Output;
            if (!list.Contains("@company.dom:", StringComparison.OrdinalIgnoreCase) && !list.Contains("@dept1.company.dom:", StringComparison.OrdinalIgnoreCase)) return;
            Assert.True(DateTime.UtcNow < deadline, "local deliveries still queued:\n" + list);
            await Task.Delay(200);
        }
    }

    /// <summary>Sets a set and waits until the running server has heard of the change (rules.md §9.3: within a second).</summary>
    public async Task SetRulesLive(string target, string document, string text)
    {
        bool Heard(string line) => line.Contains($"rule set {document} changed", StringComparison.Ordinal);
        var before = Kernel.Log.Count(Heard);
        await SetRules(target, text);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Kernel.Log.Count(Heard) == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not hear of the change to " + document);
            await Task.Delay(50);
        }
    }
}
