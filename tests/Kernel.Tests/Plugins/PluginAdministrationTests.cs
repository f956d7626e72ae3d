using Kernel.Plugins;
using Kernel.Storage;

namespace Kernel.Tests.Plugins;

public sealed class PluginAdministrationTests
{
    [Fact]
    public async Task Install_refuses_a_plugin_for_another_SDK_major_and_leaves_nothing_behind()
    {
        await using var h = new PluginHostHarness();
        var admin = new PluginAdministration(h.PluginsDirectory);

        var error = Assert.Throws<PluginAdministrationException>(() => admin.Install(TestPlugins.BuiltFolder("SdkOne")));

        Assert.Contains("SDK 2.0.0", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(h.PluginsDirectory));
    }

    [Theory]
    [InlineData("/nonexistent/plugin/path", "no plugin folder or .dll at /nonexistent/plugin/path")]
    public async Task Install_of_a_missing_path_is_one_clear_line(string path, string message)
    {
        await using var h = new PluginHostHarness();
        Assert.Equal(message, Assert.Throws<PluginAdministrationException>(() => new PluginAdministration(h.PluginsDirectory).Install(path)).Message);
    }

    [Fact]
    public async Task Install_of_a_dll_path_copies_its_folder_and_replaces_an_older_copy()
    {
        await using var h = new PluginHostHarness();
        var admin = new PluginAdministration(h.PluginsDirectory);
        admin.Install(TestPlugins.BuiltFolder("Healthy"));
        File.WriteAllText(Path.Combine(h.PluginsDirectory, "Healthy", "stale.txt"), "old");

        Assert.Equal("Healthy", admin.Install(Path.Combine(TestPlugins.BuiltFolder("Healthy"), "Healthy.dll")));

        Assert.True(File.Exists(Path.Combine(h.PluginsDirectory, "Healthy", "Healthy.dll")));
        Assert.False(File.Exists(Path.Combine(h.PluginsDirectory, "Healthy", "stale.txt")));
        Assert.Equal(["Healthy"], Directory.EnumerateDirectories(h.PluginsDirectory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Unload_of_an_unknown_plugin_is_one_clear_line()
    {
        await using var h = new PluginHostHarness();
        var error = Assert.Throws<PluginAdministrationException>(() => new PluginAdministration(h.PluginsDirectory).Unload("Nope"));
        Assert.Equal($"no plugin Nope in {h.PluginsDirectory}", error.Message);
    }

    [Fact]
    public async Task List_shows_what_the_running_server_recorded_including_start_failures()
    {
        await using var h = new PluginHostHarness();
        var database = new SqliteDatabase(Path.Combine(h.DataDirectory, "db"));
        database.Migrate();
        h.Install("Healthy");
        h.Install("ThrowingStart");
        var server = h.CreateHost(states: new PluginStateTable(database));
        await server.StartAsync(CancellationToken.None);

        // The CLI, another process: it loads the plugins too, but only the server knows a start failed.
        var cli = h.CreateHost(adjust: o => o with { WatchFolder = false });
        cli.LoadAll();
        Assert.Equal(PluginState.Loaded, cli.Find("ThrowingStart")?.State);
        var list = await new PluginAdministration(h.PluginsDirectory, new PluginStateTable(database)).ListAsync(cli);

        Assert.Equal(["Healthy", "ThrowingStart"], list.Select(s => s.Name));
        Assert.Equal(new PluginStatus("Healthy", PluginState.Active, "1.2.3", Kernel.Abstractions.SdkVersion.Current, null), list[0]);
        Assert.Equal(PluginState.Failed, list[1].State);
        Assert.Contains("start refuses to run", list[1].Reason);
        Assert.Equal("failed", list[1].StateText);
        await server.StopAsync(CancellationToken.None);
        Assert.All(await new PluginStateTable(database).ReadAsync(), s => Assert.NotEqual(PluginState.Active, s.State));
    }
}
