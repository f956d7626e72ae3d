using System.CommandLine;
using Kernel.Abstractions;
using Kernel.Plugins;

namespace Kernel.Tests.Plugins;

public sealed class PluginCliBridgeTests
{
    [Fact]
    public async Task Plugin_commands_come_from_LoadAll_without_starting_anything()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        var host = h.CreateHost();

        host.LoadAll();

        Assert.Equal(PluginState.Loaded, host.Find("Healthy")?.State);
        Assert.False(File.Exists(h.PluginData("Healthy", "started")));
        var root = new RootCommand("kernel");
        Assert.Empty(PluginCliBridge.AddCommands(root, host.CliCommands, h.Services));
        var (exit, output, _) = await InvokeAsync(root, "healthy", "ping", "hello", "--loud");
        Assert.Equal(0, exit);
        Assert.Equal("PONG HELLO", output.Trim());
    }

    [Fact]
    public async Task A_path_merges_into_existing_groups_and_a_taken_name_is_reported()
    {
        var root = new RootCommand("kernel");
        var route = new Command("route", "existing group");
        route.Subcommands.Add(new Command("show", "existing"));
        root.Subcommands.Add(route);
        string? seen = null;
        var commands = new[]
        {
            new CliCommand(["route", "test"], "tests a route",
                [new CliArgument("address", "the address"), new CliArgument("more", "extra words", Required: false, Many: true)],
                [new CliOption("--kind", "mail or signal"), new CliOption("json", "JSON output", IsFlag: true)],
                (inv, _) =>
                {
                    seen = $"{inv.Argument("address")}|{string.Join(',', inv.Arguments["more"])}|{inv.Option("kind")}|{inv.Flag("json")}";
                    return Task.FromResult(3);
                }),
            new CliCommand(["route", "show"], "clashes", [], [], (_, _) => Task.FromResult(0)),
        };

        var conflicts = PluginCliBridge.AddCommands(root, commands, new FakeServices());

        Assert.Equal("command 'route show' already exists; the plugin's one is skipped", Assert.Single(conflicts));
        Assert.Equal(["show", "test"], root.Subcommands.Single(c => c.Name == "route").Subcommands.Select(c => c.Name).Order());
        var (exit, _, _) = await InvokeAsync(root, "route", "test", "bob@x.dom", "a", "b", "--kind", "signal", "--json");
        Assert.Equal(3, exit);
        Assert.Equal("bob@x.dom|a,b|signal|True", seen);
    }

    [Fact]
    public async Task A_throwing_plugin_command_prints_one_line_and_exits_1()
    {
        var root = new RootCommand("kernel");
        PluginCliBridge.AddCommands(root, [new CliCommand(["boom"], "throws", [], [], (_, _) => throw new InvalidOperationException("it broke"))], new FakeServices());

        var (exit, _, error) = await InvokeAsync(root, "boom");

        Assert.Equal(1, exit);
        Assert.Equal("boom: it broke", error.Trim());
    }

    private static async Task<(int Exit, string Output, string Error)> InvokeAsync(RootCommand root, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
