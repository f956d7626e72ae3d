using Kernel.Testing;

namespace Router.Tests;

/// <summary>
/// The plugin in a real server: <c>kernel router set</c> (stdin), the running server reloading the table without a
/// restart, <c>kernel route test</c> printing the display form and the relay verdict, a bad table refused whole.
/// </summary>
public sealed class RouterProcessTests
{
    [Fact]
    public async Task RouterSetReloadsTheRunningServerAndRouteTestPrintsTheVerdict()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions { Plugins = ["Router"] });
        var plugins = $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}";
        Task<CliResult> Cli(string? input, params string[] args) => KernelCli.RunAsync(kernel.DataDirectory, input, [.. args, plugins]);

        Assert.Equal(0, (await Cli(null, "domain", "add", "main.dom")).ExitCode);
        Assert.Equal(0, (await Cli(null, "domain", "add", "domain.dom")).ExitCode);
        Assert.Equal(0, (await Cli(null, "account", "add", "alice@domain.dom", "--password", "pw")).ExitCode);

        var bad = await Cli("friend.com = friend.com@friend.com.via\nBogus: a.dom = b.dom\n<*a@*b.dom> = c@d.dom\n", "router", "set", "-");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("line 2: unknown prefix 'Bogus:'", bad.Error);
        Assert.Contains("line 3: more than one '*' on the left side", bad.Error);
        Assert.Equal("", (await Cli(null, "router", "show")).Output.Trim());

        var table = "; partners\nRelay: friend.com = friend.com@friend.com.via\n";
        var set = await Cli(table, "router", "set", "-");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(table.Trim(), (await Cli(null, "router", "show")).Output.Trim());
        // The running server picks the change up from the store, without a restart.
        await kernel.WaitForLogAsync(l => l.Contains("router table loaded: 1 records", StringComparison.Ordinal), TimeSpan.FromSeconds(15));

        var relayed = await Cli(null, "route", "test", "bob@friend.com", "--from-ip", "203.0.113.9", "--trace");
        Assert.True(relayed.ExitCode == 0, relayed.ToString());
        var lines = relayed.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("SMTP(friend.com)bob@friend.com", lines[0]);
        Assert.Equal("relay: allowed (Relay: grant)", lines[1]);
        Assert.Contains(lines, l => l.Contains("line 2: Relay: friend.com = friend.com@friend.com.via", StringComparison.Ordinal));

        var percent = await Cli(null, "route", "test", "user%other.dom@domain.dom", "--from-ip", "203.0.113.9");
        Assert.Equal(["SMTP(other.dom)user@other.dom", "relay: denied (untrusted source and no relay grant)"], percent.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var local = await Cli(null, "route", "test", "ALICE@domain.dom", "--kind", "access");
        Assert.Equal("LOCAL(alice@domain.dom)", local.Output.Split('\n')[0].Trim());
        var fromClient = await Cli(null, "route", "test", "user%other.dom@domain.dom", "--from-ip", "127.0.0.1", "--json");
        Assert.Contains("\"allowed\":true", fromClient.Output);
        var nodots = await Cli(null, "route", "test", "x@nodots");
        Assert.StartsWith("550 5.1.2 ", nodots.Output);

        // Issue 8 §4: not an address is bad input — one line on stderr and a non-zero exit, never "relay: allowed".
        var notAnAddress = await Cli(null, "route", "test", "not an address");
        Assert.True(notAnAddress.ExitCode != 0 && notAnAddress.Output.Length == 0, notAnAddress.ToString());
        var errorLine = Assert.Single(notAnAddress.Error.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: 'not an address' is not an address: 501 ", errorLine);
    }
}
