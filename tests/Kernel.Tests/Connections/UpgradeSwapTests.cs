using System.Net;
using System.Net.Sockets;
using System.Text;
using Kernel.Plugins;
using Kernel.Tests.Plugins;

namespace Kernel.Tests.Connections;

/// <summary>
/// Issue 7 §1 "Upgrade without a refused connection": installing Echo 2.0.0 over a running Echo 1.0.0 hands the
/// kernel-owned listener to the new version. A client connecting in a tight loop during the swap sees no refusal and
/// no reset; answers move from 1.0.0 to 2.0.0; a connection in flight ends on the old version with its goodbye; the old
/// load context is collected.
/// </summary>
public sealed class UpgradeSwapTests
{
    [Fact]
    public async Task Installing_a_newer_version_hands_over_the_listener_without_a_refused_or_reset_connection()
    {
        await using var harness = new PluginHostHarness();
        harness.Install("Echo");
        var host = harness.CreateHost(new() { ["Echo:Listen"] = "127.0.0.1:0" }, o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        Assert.Equal("1.0.0", host.Find("Echo")?.Version);
        var endPoint = Assert.Single(harness.Connections.EndPointsOf("Echo", null));
        var oldContext = host.LoadContextOf("Echo")!;

        // A connection in flight across the swap: it waits for its line while the old version drains.
        using var held = new TcpClient();
        await held.ConnectAsync(endPoint);
        await Assert_answers(endPoint, "echo 1.0.0 first");

        var counts = new Counts();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var loop = Task.Run(() => ConnectInALoopAsync(endPoint, counts, stop.Token));
        await WaitUntil(() => counts.V1 >= 20, "version 1 answering the loop");

        new PluginAdministration(harness.PluginsDirectory).Install(Path.Combine(TestPlugins.RepoRoot, "artifacts", "test-plugins", "EchoV2", "Echo"));
        await host.ScanAsync(CancellationToken.None); // first sight: waits for the folder to settle
        await host.ScanAsync(CancellationToken.None); // replaces: new version first, then the old one drains

        await WaitUntil(() => counts.V2 >= 50, "version 2 answering the loop");
        await stop.CancelAsync();
        await loop;

        Assert.True(counts.Errors.IsEmpty, $"{counts.Errors.Count} failed connections during the swap, first: {counts.Errors.FirstOrDefault()}");
        Assert.True(counts.V1 >= 20 && counts.V2 >= 50, $"v1 {counts.V1}, v2 {counts.V2}");
        var status = host.Find("Echo");
        Assert.Equal(PluginState.Active, status?.State);
        Assert.Equal("2.0.0", status?.Version);
        Assert.Equal(endPoint, Assert.Single(harness.Connections.EndPointsOf("Echo", null)));

        // The connection in flight was drained by version 1: its goodbye, then a clean close.
        var heldAnswer = await ReadToEndAsync(held.GetStream());
        Assert.Equal("bye 1.0.0\r\n", heldAnswer);

        Assert.True(await PluginHostTests.CollectedAsync(oldContext), "the replaced version's load context was not collected");
        await host.StopAsync(CancellationToken.None);
    }

    /// <summary>The same swap as an operator does it: `kernel plugins install` from another process, the running server's own folder watcher.</summary>
    [Fact]
    public async Task Kernel_plugins_install_of_a_newer_version_into_a_running_server_refuses_no_connection()
    {
        await using var server = await Kernel.Testing.KernelProcess.StartAsync(new()
        {
            Plugins = ["Echo"],
            Settings = new Dictionary<string, string> { ["Echo:Listen:0"] = "127.0.0.1:0" },
        });
        var endPoint = server.Listener("echo");
        var counts = new Counts();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var loop = Task.Run(() => ConnectInALoopAsync(endPoint, counts, stop.Token));
        await WaitUntil(() => counts.V1 >= 20, "version 1 answering the loop");

        var install = await server.CliAsync("plugins", "install", Path.Combine(TestPlugins.RepoRoot, "artifacts", "test-plugins", "EchoV2", "Echo"),
            $"--Kernel:PluginsDirectory={server.PluginsDirectory}");
        Assert.True(install.ExitCode == 0, install.ToString());

        await WaitUntil(() => counts.V2 >= 50, "version 2 answering the loop");
        await stop.CancelAsync();
        await loop;
        Assert.True(counts.Errors.IsEmpty, $"{counts.Errors.Count} failed connections during the swap, first: {counts.Errors.FirstOrDefault()}");
        var list = await server.CliAsync("plugins", "list", $"--Kernel:PluginsDirectory={server.PluginsDirectory}");
        Assert.Contains("2.0.0", list.Output);
    }

    [Fact]
    public async Task A_replacement_that_fails_to_start_leaves_the_old_version_serving()
    {
        await using var harness = new PluginHostHarness();
        harness.Install("Echo");
        var host = harness.CreateHost(new() { ["Echo:Listen"] = "127.0.0.1:0" }, o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        var endPoint = Assert.Single(harness.Connections.EndPointsOf("Echo", null));

        var broken = Path.Combine(harness.PluginsDirectory, "..", "broken-echo");
        KernelTestingCopy(Path.Combine(TestPlugins.RepoRoot, "artifacts", "test-plugins", "EchoV2", "Echo"), Path.Combine(broken, "Echo"));
        // A "new version" whose DLL is not an assembly: it cannot load, so nothing of the running version may stop.
        await File.WriteAllBytesAsync(Path.Combine(broken, "Echo", "Echo.dll"), new byte[4096]);
        Directory.Delete(Path.Combine(harness.PluginsDirectory, "Echo"), recursive: true);
        Directory.Move(Path.Combine(broken, "Echo"), Path.Combine(harness.PluginsDirectory, "Echo"));
        await host.ScanAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);

        Assert.Equal("1.0.0", host.Find("Echo")?.Version);
        Assert.Equal(PluginState.Active, host.Find("Echo")?.State);
        await Assert_answers(endPoint, "echo 1.0.0 first");
        Assert.Contains(harness.Logs.Lines, l => l.Contains("keeps serving", StringComparison.Ordinal));
        await host.StopAsync(CancellationToken.None);
    }

    private static void KernelTestingCopy(string source, string target) => Kernel.Testing.KernelProcess.CopyFolder(source, target);

    private static async Task Assert_answers(IPEndPoint endPoint, string expected)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint);
        await client.GetStream().WriteAsync("first\r\n"u8.ToArray());
        Assert.Equal(expected + "\r\n", await ReadToEndAsync(client.GetStream()));
    }

    private static async Task ConnectInALoopAsync(IPEndPoint endPoint, Counts counts, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(endPoint);
                var stream = client.GetStream();
                await stream.WriteAsync("ping\r\n"u8.ToArray());
                var answer = await ReadToEndAsync(stream);
                if (answer is "echo 1.0.0 ping\r\n" or "bye 1.0.0\r\n") Interlocked.Increment(ref counts.V1);
                else if (answer == "echo 2.0.0 ping\r\n") Interlocked.Increment(ref counts.V2);
                else counts.Errors.Add("unexpected answer: " + answer);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                counts.Errors.Add(e.GetType().Name + ": " + e.Message);
            }
        }
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, timeout.Token);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + " did not happen within 30 s");
            await Task.Delay(20);
        }
    }

    private sealed class Counts
    {
        public int V1;
        public int V2;
        public readonly System.Collections.Concurrent.ConcurrentBag<string> Errors = [];
    }
}
