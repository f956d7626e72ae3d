using System.Diagnostics;
using Kernel.Testing;

namespace Rules.Tests;

/// <summary>
/// Issue 12 through the SMTP plugin, with python3 smtplib as the client: a server-wide Reject answers the SMTP client
/// <c>554 5.7.1</c> with the rule's text at the end of DATA and nothing is stored (rules.md §6.1, §12.2); a message the
/// rules accept lands in the INBOX, and the §12.1 copy lands in <c>~security/outgoing</c>.
/// </summary>
public sealed class RulesOverSmtpTests : IAsyncLifetime
{
    private KernelProcess _kernel = null!;

    public async Task InitializeAsync()
    {
        _kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Rules", "Smtp", "Router"], // the Router relays for the trusted client (127.0.0.1); the default router refuses remote domains
            Settings = new Dictionary<string, string>
            {
                ["Smtp:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Submission:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Smtps:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Odmr:Listen:0"] = "127.0.0.1:0",
                ["Dns:Servers:0"] = "127.0.0.1:9", // no DNS: remote mail stays queued instead of reaching the system resolver
                ["Dns:Retries"] = "0",
            },
        });
        foreach (var domain in new[] { "company.dom", "dept1.company.dom" }) await Ok(null, "domain", "add", domain);
        foreach (var account in new[] { "security@company.dom", "dave@dept1.company.dom", "erin@dept1.company.dom" })
            await Ok(null, "account", "add", account, "--password", "pw");
        await Ok(null, "mailbox", "create", "~security/outgoing");
        var both = SpecSets.Dept1Limits.TrimEnd().TrimEnd(')') + ",\n" + SpecSets.CopyOutgoing.Trim()[1..];
        await Ok(both, "rules", "set", "server", "-");
    }

    public async Task DisposeAsync() => await _kernel.DisposeAsync();

    [Fact]
    public async Task A_server_wide_reject_is_554_5_7_1_at_the_end_of_DATA_and_an_accepted_message_is_stored_and_copied()
    {
        var endpoint = _kernel.Listener("smtp");
        // One session, two transactions: the refused one first, then one the rules let through.
        var script = $$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{endpoint.Port}}, timeout=30)
            s.ehlo("client.test")
            msg = "From: <dave@dept1.company.dom>\r\nSubject: {0}\r\n\r\nbody\r\n"
            try:
                s.sendmail("dave@dept1.company.dom", ["x@far.dom"], msg.format("outside"))
                print("ACCEPTED outside")
            except smtplib.SMTPDataError as e:
                print("DATA", e.smtp_code, e.smtp_error.decode())
            s.sendmail("dave@dept1.company.dom", ["erin@dept1.company.dom"], msg.format("inside"))
            print("ACCEPTED inside")
            s.quit()
            """;
        var (exit, output) = await Python(script);
        Assert.True(exit == 0, output);
        Assert.Contains("DATA 554 5.7.1 You may send only to dept1.company.dom and to supervisor@hq.company.dom", output);
        Assert.Contains("ACCEPTED inside", output);
        Assert.DoesNotContain("ACCEPTED outside", output);

        Assert.Equal(1, await WaitForCount("erin@dept1.company.dom", "INBOX", 1));
        Assert.Equal(1, await WaitForCount("security@company.dom", "outgoing", 1)); // the accepted one only: the Reject ran first
        Assert.DoesNotContain("x@far.dom", (await Ok(null, "queue", "list")));     // the refused one was never queued
    }

    private async Task<string> Ok(string? input, params string[] args)
    {
        var result = await KernelCli.RunAsync(_kernel.DataDirectory, input, [.. args, $"--Kernel:PluginsDirectory={_kernel.PluginsDirectory}"]);
        Assert.True(result.ExitCode == 0, $"kernel {string.Join(' ', args)}: {result}");
        return result.Output;
    }

    private async Task<int> WaitForCount(string account, string mailbox, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var json = System.Text.Json.JsonDocument.Parse(await Ok(null, "mailbox", "list", account, "--json"));
            var count = json.RootElement.EnumerateArray().Where(e => e.GetProperty("name").GetString() == mailbox).Select(e => e.GetProperty("messages").GetInt32()).FirstOrDefault();
            if (count >= expected || DateTime.UtcNow > deadline) return count;
            await Task.Delay(200);
        }
    }

    private static async Task<(int Exit, string Output)> Python(string script)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, await stdout + await stderr);
    }
}
