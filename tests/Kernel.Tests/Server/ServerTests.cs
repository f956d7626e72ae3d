using System.Text.Json;
using System.Text.RegularExpressions;
using Kernel.Tests.Cli;

namespace Kernel.Tests.Server;

/// <summary>
/// Issue 3 §2, §6, §7 against one running <c>kernel serve</c>: listeners on free ports logged with their real port,
/// Finger answering from the real account store, broken plugins failed while the rest runs, plugin CLI commands,
/// and changes made by the CLI in another process seen by the server within seconds.
/// </summary>
public sealed class ServerTests(RunningServer server) : IClassFixture<RunningServer>
{
    [Fact]
    public void ListenersOnPortZeroAreLoggedWithTheirRealPort()
    {
        var finger = server.Kernel.Listener("finger");

        Assert.Equal("127.0.0.1", finger.Address.ToString());
        Assert.NotEqual(0, finger.Port);
        Assert.Contains(server.Kernel.Log, l => l.EndsWith($"listening finger 127.0.0.1:{finger.Port}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("alice", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("alice@test.dom", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("ALICE", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("bob", "Login: bob@test.dom\r\nName: \r\n")]
    [InlineData("nobody", "")]
    [InlineData("nobody@test.dom", "")]
    [InlineData("alice@elsewhere.example", "finger: forwarding is not offered here\r\n")]
    public async Task FingerAnswersFromTheAccountStore(string query, string expected)
    {
        Assert.Equal(expected, await FingerClient.QueryAsync(server.Kernel.Listener("finger"), query));
    }

    [Fact]
    public async Task AnAccountAddedByTheCliWhileTheServerRunsIsFingeredAtOnce()
    {
        var finger = server.Kernel.Listener("finger");
        Assert.Equal("", await FingerClient.QueryAsync(finger, "carol"));

        CliAssert.Ok(await server.CliAsync("account", "add", "carol@test.dom", "--password", "pw", "--real-name", "Carol Ann"));

        Assert.Equal("Login: carol@test.dom\r\nName: Carol Ann\r\n", await FingerClient.QueryAsync(finger, "carol"));
    }

    [Fact]
    public async Task AMessageSubmittedBeforeServeIsInTheInbox()
    {
        await Eventually.WithinAsync(TimeSpan.FromSeconds(15), async () => await InboxCountAsync("alice@test.dom") >= 1, "delivery of the message submitted before serve");

        Assert.Equal(1, await InboxCountAsync("alice@test.dom"));
        var queue = JsonDocument.Parse(CliAssert.Ok(await server.CliAsync("queue", "list", "--json")).Output).RootElement;
        Assert.DoesNotContain(queue.EnumerateArray(), e => e.GetProperty("id").GetString() == server.OfflineSubmission);
    }

    [Fact]
    public async Task AMessageSubmittedWhileTheServerRunsIsDeliveredWithinSeconds()
    {
        CliAssert.Ok(await server.CliWithInputAsync("Subject: while serving\n\nhi bob\n", "submit", "--from", "alice@test.dom", "bob@test.dom"));

        var took = await Eventually.WithinAsync(TimeSpan.FromSeconds(10), async () => await InboxCountAsync("bob@test.dom") == 1, "delivery to bob");

        Assert.True(took < TimeSpan.FromSeconds(5), $"delivery took {took}");
    }

    [Fact]
    public async Task BrokenPluginsAreFailedWithTheirReasonWhileTheRestRuns()
    {
        var list = JsonDocument.Parse(CliAssert.Ok(await server.CliAsync("plugins", "list", "--json")).Output).RootElement;
        var byName = list.EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => (State: p.GetProperty("state").GetString()!, Reason: p.GetProperty("reason").GetString()));

        Assert.Equal("active", byName["Finger"].State);
        Assert.Equal("active", byName["Healthy"].State);
        Assert.Equal("failed", byName["ThrowingStart"].State);
        Assert.Contains("start refuses to run", byName["ThrowingStart"].Reason);
        Assert.Equal("failed", byName["SdkOne"].State);
        Assert.Contains("built for SDK 1.0.0, this host runs SDK 2.0.0", byName["SdkOne"].Reason);
        Assert.Contains(server.Kernel.Log, l => l.Contains("plugin ThrowingStart failed", StringComparison.Ordinal));
        Assert.Contains(server.Kernel.Log, l => l.Contains("plugin SdkOne failed", StringComparison.Ordinal));
        Assert.False(server.Kernel.HasExited);
        Assert.StartsWith("Login: alice@test.dom", await FingerClient.QueryAsync(server.Kernel.Listener("finger"), "alice"));
    }

    [Fact]
    public async Task APluginsCliCommandsAppearInHelpAndRun()
    {
        var help = await server.CliWithServerPluginsAsync("--help");
        var ping = await server.CliWithServerPluginsAsync("healthy", "ping", "hello", "--loud");
        var pingHelp = await server.CliWithServerPluginsAsync("healthy", "ping", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Matches(@"(?m)^\s+healthy\b", help.Output);
        Assert.Equal((0, "PONG HELLO"), (ping.ExitCode, ping.Output.Trim()));
        Assert.Contains("answers pong", pingHelp.Output);
        // The broken plugins in the same folder are reported on stderr, one line each, and change nothing else.
        Assert.All(ping.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Contains("SdkOne", l));
    }

    [Fact]
    public async Task ASettingChangedByTheCliIsSeenByTheServerWithinTwoSeconds()
    {
        var before = DataSnapshot.ChangeSequence(server.DataDirectory);

        CliAssert.Ok(await server.CliAsync("settings", "set", "FileQuotaItems", Random.Shared.Next(1_000_000, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var took = await Eventually.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(server.Kernel.Log.Any(l => SeenAfter(l, before))), "the server noticing the settings change");
        Assert.True(took < TimeSpan.FromSeconds(2), $"the server took {took} to notice");
        Assert.True(DataSnapshot.ChangeSequence(server.DataDirectory) > before);
    }

    private static bool SeenAfter(string line, long before)
    {
        var match = Regex.Match(line, @"configuration changed: sequence (\d+) -> (\d+)");
        return match.Success && long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > before;
    }

    private async Task<int> InboxCountAsync(string account)
    {
        var list = JsonDocument.Parse(CliAssert.Ok(await server.CliAsync("mailbox", "list", account, "--json")).Output).RootElement;
        return list.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "INBOX").GetProperty("messages").GetInt32();
    }
}
