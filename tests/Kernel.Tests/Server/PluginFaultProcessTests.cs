using System.Diagnostics;
using System.Text.Json;
using Kernel.Testing;
using Kernel.Tests.Cli;

namespace Kernel.Tests.Server;

/// <summary>
/// Issue 8 §2 and §3 on real processes: a plugin whose StartAsync blocks for ever, dropped into a running server, is
/// failed at the start deadline while another plugin installs, answers and unloads, and SIGTERM still ends the process;
/// a plugin whose own thread throws is named as having brought the process down and is set aside on the next start.
/// </summary>
[Collection(Durability.ProcessTestCollection.Name)]
public sealed class PluginFaultProcessTests
{
    [Fact]
    public async Task ABlockingPluginFreezesNeitherInstallNorUnloadNorShutdown()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Settings = new Dictionary<string, string>
            {
                ["Finger:Listen:0"] = "127.0.0.1:0",
                ["Kernel:PluginStartTimeout"] = "4",
                ["Kernel:ShutdownTimeout"] = "8",
            },
        });
        var pluginsArgument = $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}";
        CliAssert.Ok(await kernel.CliAsync("domain", "add", "test.dom", pluginsArgument));
        CliAssert.Ok(await kernel.CliAsync("account", "add", "alice@test.dom", "--password", "pw", "--real-name", "Alice Liddell", pluginsArgument));

        CliAssert.Ok(await kernel.CliAsync("plugins", "install", Path.Combine(RepositoryLayout.TestPluginsDirectory, "BlockingStart"), pluginsArgument));
        await kernel.WaitForLogAsync(l => l.Contains("plugin BlockingStart 1.0.0 loaded", StringComparison.Ordinal), TimeSpan.FromSeconds(6));
        // While BlockingStart's StartAsync is stuck, Finger installs, answers and unloads.
        CliAssert.Ok(await kernel.CliAsync("plugins", "install", Path.Combine(RepositoryLayout.SamplesDirectory, "Finger"), pluginsArgument));
        await kernel.WaitForLogAsync(l => l.Contains("listening finger", StringComparison.Ordinal), TimeSpan.FromSeconds(6));
        var finger = kernel.Listener("finger");
        Assert.Equal("Login: alice@test.dom\r\nName: Alice Liddell\r\n", await FingerClient.QueryAsync(finger, "alice"));
        CliAssert.Ok(await kernel.CliAsync("plugins", "unload", "Finger", pluginsArgument));
        await Eventually.WithinAsync(TimeSpan.FromSeconds(6), () => FingerClient.IsRefusedAsync(finger), "Finger's port closing after unload");

        await kernel.WaitForLogAsync(l => l.Contains("BlockingStart", StringComparison.Ordinal) && l.Contains("did not start within 4 s", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var blocked = Status(await kernel.CliAsync("plugins", "list", "--json", pluginsArgument), "BlockingStart");
        Assert.Equal("failed", blocked.State);
        Assert.Contains("did not start within 4 s", blocked.Reason);

        var clock = Stopwatch.StartNew();
        await kernel.StopAsync(TimeSpan.FromSeconds(15));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"SIGTERM took {clock.Elapsed}");
    }

    [Fact]
    public async Task SigtermEndsTheProcessWhileAPluginStillBlocksItsStart()
    {
        var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Healthy"],
            Settings = new Dictionary<string, string> { ["Kernel:PluginStartTimeout"] = "120", ["Kernel:ShutdownTimeout"] = "5" },
        });
        await using (kernel)
        {
            var pluginsArgument = $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}";
            CliAssert.Ok(await kernel.CliAsync("plugins", "install", Path.Combine(RepositoryLayout.TestPluginsDirectory, "BlockingStart"), pluginsArgument));
            await kernel.WaitForLogAsync(l => l.Contains("plugin BlockingStart 1.0.0 loaded", StringComparison.Ordinal), TimeSpan.FromSeconds(6));

            var clock = Stopwatch.StartNew();
            await kernel.StopAsync(TimeSpan.FromSeconds(20));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"SIGTERM took {clock.Elapsed}:\n" + string.Join("\n", kernel.Log));
        }
    }

    [Fact]
    public async Task APluginThatCrashesTheProcessIsNamedAndSetAsideOnTheNextStart()
    {
        using var data = new Storage.TempDataFolder();
        var options = new KernelProcessOptions
        {
            DataDirectory = data.Path,
            Plugins = ["Healthy", "ThreadThrower"],
            Settings = new Dictionary<string, string> { ["ThreadThrower:DelayMs"] = "1000" },
        };

        // First run: the thread's exception ends the process (nothing in .NET can stop that), but not before the
        // plugin is named and recorded.
        await using (var first = await KernelProcess.StartAsync(options))
        {
            await Eventually.WithinAsync(TimeSpan.FromSeconds(20), () => Task.FromResult(first.HasExited), "the process ending on the plugin thread's exception");
            // The process's last lines can still be in the redirected pipe when it is seen to have exited: wait for them (bounded).
            await first.WaitForLogAsync(l => l.Contains("plugin ThreadThrower brought the process down", StringComparison.Ordinal) && l.Contains("thread thrower goes off", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        }

        // Second run: ThreadThrower is set aside with the reason; the server and the other plugins run.
        await using var second = await KernelProcess.StartAsync(options);
        var pluginsArgument = $"--Kernel:PluginsDirectory={second.PluginsDirectory}";
        await Task.Delay(TimeSpan.FromSeconds(2)); // longer than the thread's delay: had it started, the process would be gone
        Assert.False(second.HasExited, "the set-aside plugin ran again:\n" + string.Join("\n", second.Log));
        var list = await second.CliAsync("plugins", "list", "--json", pluginsArgument);
        var thrower = Status(list, "ThreadThrower");
        Assert.Equal("failed", thrower.State);
        Assert.Contains("set aside: brought the process down", thrower.Reason);
        Assert.Contains("thread thrower goes off", thrower.Reason);
        Assert.Equal("active", Status(list, "Healthy").State);

        // The operator's word lets it load again (here it would crash again, so the server is stopped first).
        Assert.Equal(0, await second.StopAsync());
        Assert.Equal("plugin ThreadThrower enabled", CliAssert.Ok(await second.CliAsync("plugins", "enable", "ThreadThrower", pluginsArgument)).Output.Trim());
        CliAssert.FailsWithOneLine(await second.CliAsync("plugins", "enable", "ThreadThrower", pluginsArgument), "not set aside");
    }

    private static (string? State, string? Reason) Status(CliResult list, string plugin)
    {
        var entry = JsonDocument.Parse(CliAssert.Ok(list).Output).RootElement.EnumerateArray().Single(p => p.GetProperty("name").GetString() == plugin);
        return (entry.GetProperty("state").GetString(), entry.TryGetProperty("reason", out var reason) ? reason.GetString() : null);
    }
}
