using System.Text.Json;
using Kernel.Testing;
using Kernel.Tests.Cli;

namespace Kernel.Tests.Server;

/// <summary>
/// Issue 3 §2 "Drop-in folder" and "Graceful lifecycle", on one process: <c>kernel plugins install</c> into a running
/// server makes Finger answer within seconds, <c>kernel plugins unload Finger</c> closes its port, and SIGTERM stops
/// the plugins, then the delivery pipeline, then the watcher, exiting 0.
/// </summary>
public sealed class PluginLifecycleTests
{
    [Fact]
    public async Task InstallIntoARunningServerThenUnloadThenSigterm()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Healthy"],
            Settings = new Dictionary<string, string> { ["Finger:Listen:0"] = "127.0.0.1:0" },
        });
        var pluginsArgument = $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}";
        CliAssert.Ok(await kernel.CliAsync("domain", "add", "test.dom", pluginsArgument));
        CliAssert.Ok(await kernel.CliAsync("account", "add", "alice@test.dom", "--password", "pw", "--real-name", "Alice Liddell", pluginsArgument));
        Assert.DoesNotContain(kernel.Log, l => l.Contains("listening finger", StringComparison.Ordinal));

        // Install: copied under a staging name, renamed into place, picked up by the running server.
        var install = await kernel.CliAsync("plugins", "install", Path.Combine(RepositoryLayout.SamplesDirectory, "Finger"), pluginsArgument);
        Assert.Equal("plugin Finger installed", CliAssert.Ok(install).Output.Trim());
        // "Within a few seconds": the watcher scans every second and loads a folder once it looks the same twice.
        await kernel.WaitForLogAsync(l => l.Contains("listening finger", StringComparison.Ordinal), TimeSpan.FromSeconds(6));
        var finger = kernel.Listener("finger");
        Assert.Equal("Login: alice@test.dom\r\nName: Alice Liddell\r\n", await FingerClient.QueryAsync(finger, "alice"));
        Assert.Equal("active", State(await kernel.CliAsync("plugins", "list", "--json", pluginsArgument), "Finger"));

        // Unload: the server stops Finger, and its port refuses connections.
        CliAssert.Ok(await kernel.CliAsync("plugins", "unload", "Finger", pluginsArgument));
        await Eventually.WithinAsync(TimeSpan.FromSeconds(6), () => FingerClient.IsRefusedAsync(finger), "Finger's port closing after unload");
        await kernel.WaitForLogAsync(l => l.Contains("plugin Finger unloaded", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Equal("unloaded", State(await kernel.CliAsync("plugins", "list", "--json", pluginsArgument), "Finger"));

        // SIGTERM: a clean exit 0, in the order design.md gives.
        var exitCode = await kernel.StopAsync();

        Assert.Equal(0, exitCode);
        var log = kernel.Log.ToList();
        var stopping = log.FindIndex(l => l.Contains("kernel stopping", StringComparison.Ordinal));
        var healthy = log.FindIndex(l => l.Contains("plugin Healthy unloaded: server stopped", StringComparison.Ordinal));
        var delivery = log.FindIndex(l => l.Contains("delivery worker", StringComparison.Ordinal) && l.Contains("stopped", StringComparison.Ordinal));
        var stopped = log.FindIndex(l => l.Contains("kernel stopped", StringComparison.Ordinal));
        Assert.True(stopping >= 0 && stopping < healthy && healthy < delivery && delivery < stopped, "stop order:\n" + string.Join("\n", log));
        Assert.True(File.Exists(Path.Combine(kernel.DataDirectory, "plugins", "Healthy", "stopped")), "Healthy's StopAsync did not run");
    }

    private static string? State(CliResult list, string plugin) =>
        JsonDocument.Parse(CliAssert.Ok(list).Output).RootElement.EnumerateArray()
            .Where(p => p.GetProperty("name").GetString() == plugin).Select(p => p.GetProperty("state").GetString()).SingleOrDefault();
}
