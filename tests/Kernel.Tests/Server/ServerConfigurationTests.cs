using System.Text.Json;
using Kernel.Testing;
using Kernel.Tests.Cli;

namespace Kernel.Tests.Server;

/// <summary>
/// Issue 3 §2 "Only the protocols needed" and §7: the plugin subset comes from <c>--plugins</c>, the environment or
/// <c>--Kernel:Plugins:N</c>; a malformed <c>Finger:Listen</c> fails Finger with the key named while the server runs;
/// <c>Logging:Console:FormatterName=json</c> makes every log line JSON.
/// </summary>
public sealed class ServerConfigurationTests
{
    [Theory]
    [InlineData("arguments", "--plugins Healthy", "Healthy", "Finger")]
    [InlineData("arguments", "--plugins Finger,Healthy", "Finger,Healthy", "")]
    [InlineData("environment", "KERNEL__PLUGINS__0=Finger", "Finger", "Healthy")]
    [InlineData("environment", "KERNEL__KERNEL__PLUGINS__0=Healthy", "Healthy", "Finger")]
    [InlineData("environment", "Kernel__Plugins=Finger,Healthy", "Finger,Healthy", "")]
    [InlineData("settings", "Kernel:Plugins:0=Finger", "Finger", "Healthy")]
    // --plugins replaces the whole list the environment gave, it does not merge into it index by index.
    [InlineData("both", "KERNEL__PLUGINS__0=Healthy;KERNEL__PLUGINS__1=Finger|--plugins Healthy", "Healthy", "Finger")]
    public async Task ThePluginSubsetComesFromConfiguration(string how, string given, string active, string disabled)
    {
        var (environment, settings, arguments) = Parse(how, given);
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Finger", "Healthy"],
            Settings = new Dictionary<string, string>(settings) { ["Finger:Listen:0"] = "127.0.0.1:0" },
            Environment = environment,
            Arguments = arguments,
        });

        var started = kernel.Log.Single(l => l.Contains("kernel started", StringComparison.Ordinal));
        foreach (var name in active.Split(',', StringSplitOptions.RemoveEmptyEntries)) Assert.Contains($"{name}:active", started);
        foreach (var name in disabled.Split(',', StringSplitOptions.RemoveEmptyEntries)) Assert.Contains($"{name}:disabled", started);
        Assert.Equal(active.Contains("Finger"), kernel.Log.Any(l => l.Contains("listening finger", StringComparison.Ordinal)));
        Assert.Equal(0, await kernel.StopAsync());
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("{busy}")]
    public async Task AMalformedListenValueFailsThePluginNamingTheKeyWhileTheServerRuns(string value)
    {
        // {busy}: a well-formed address whose port another socket holds; the reason names the key and the endpoint.
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var expected = $"Finger:Listen: '{value}' is not address:port";
        if (value == "{busy}")
        {
            value = busy.LocalEndpoint.ToString()!;
            expected = $"Finger:Listen: cannot listen on {value}: ";
        }
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Finger", "Healthy"],
            Settings = new Dictionary<string, string> { ["Finger:Listen:0"] = value },
        });

        var list = JsonDocument.Parse(CliAssert.Ok(await kernel.CliAsync("plugins", "list", "--json", $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}")).Output).RootElement;
        var finger = list.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Finger");
        var healthy = list.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Healthy");

        Assert.Equal("failed", finger.GetProperty("state").GetString());
        Assert.Contains(expected, finger.GetProperty("reason").GetString());
        Assert.Equal("active", healthy.GetProperty("state").GetString());
        Assert.Contains(kernel.Log, l => l.Contains("plugin Finger failed", StringComparison.Ordinal) && l.Contains("Finger:Listen", StringComparison.Ordinal));
        Assert.False(kernel.HasExited);
        Assert.Equal(0, await kernel.StopAsync());
    }

    [Fact]
    public async Task JsonConsoleFormatterGivesJsonLogLines()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Finger"],
            Settings = new Dictionary<string, string>
            {
                ["Finger:Listen:0"] = "127.0.0.1:0",
                ["Logging:Console:FormatterName"] = "json",
            },
        });
        CliAssert.Ok(await kernel.CliAsync("domain", "add", "test.dom", $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}"));
        CliAssert.Ok(await kernel.CliAsync("account", "add", "alice@test.dom", "--real-name", "Alice Liddell", $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}"));

        Assert.Equal("Login: alice@test.dom\r\nName: Alice Liddell\r\n", await FingerClient.QueryAsync(kernel.Listener("finger"), "alice"));
        Assert.Equal(0, await kernel.StopAsync());

        var lines = kernel.Log.Where(l => l.Trim().Length > 0).ToList();
        Assert.NotEmpty(lines);
        var messages = new List<string>();
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
            messages.Add(entry.RootElement.GetProperty("Message").GetString()!);
        }
        Assert.Contains(messages, m => m.StartsWith("listening finger 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("kernel started", StringComparison.Ordinal));
        Assert.Contains("kernel stopped", messages);
    }

    private static (Dictionary<string, string> Environment, Dictionary<string, string> Settings, string[] Arguments) Parse(string how, string given)
    {
        var environment = new Dictionary<string, string>();
        var settings = new Dictionary<string, string>();
        var arguments = Array.Empty<string>();
        var parts = how == "both" ? given.Split('|') : [given];
        var kinds = how == "both" ? ["environment", "arguments"] : new[] { how };
        for (var i = 0; i < parts.Length; i++)
        {
            switch (kinds[i])
            {
                case "arguments":
                    arguments = parts[i].Split(' ');
                    break;
                case "environment":
                    foreach (var pair in parts[i].Split(';')) environment[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
                    break;
                case "settings":
                    settings[parts[i][..parts[i].IndexOf('=')]] = parts[i][(parts[i].IndexOf('=') + 1)..];
                    break;
            }
        }
        return (environment, settings, arguments);
    }
}
