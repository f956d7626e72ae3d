using Kernel.Abstractions;
using Kernel.Plugins;

namespace Kernel.Tests.Plugins;

public sealed class PluginHostTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Two_plugins_run_different_versions_of_one_package_side_by_side()
    {
        await using var h = new PluginHostHarness();
        h.Install("DnsProbe161");
        h.Install("DnsProbe180");
        var host = h.CreateHost();

        await host.StartAsync(CancellationToken.None);

        Assert.Equal(PluginState.Active, host.Find("DnsProbe161")?.State);
        Assert.Equal(PluginState.Active, host.Find("DnsProbe180")?.State);
        Assert.Equal("1.6.1", File.ReadAllText(h.PluginData("DnsProbe161", "dnsclient-version")));
        Assert.Equal("1.8.0", File.ReadAllText(h.PluginData("DnsProbe180", "dnsclient-version")));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_plugin_built_for_another_SDK_major_is_refused_with_both_versions_and_the_rest_runs()
    {
        await using var h = new PluginHostHarness();
        h.Install("SdkOne");
        h.Install("Healthy");
        var host = h.CreateHost();

        await host.StartAsync(CancellationToken.None);

        var refused = host.Find("SdkOne");
        Assert.Equal(PluginState.Failed, refused?.State);
        Assert.Contains("SDK 2.0.0", refused!.Reason);
        Assert.Contains("SDK 1.0.0", refused.Reason);
        Assert.DoesNotContain('\n', refused.Reason!);
        Assert.Equal(PluginState.Active, host.Find("Healthy")?.State);
        Assert.Contains(h.Logs.Lines, l => l.Contains("SdkOne", StringComparison.Ordinal) && l.Contains("SDK 1.0.0", StringComparison.Ordinal));
        await host.StopAsync(CancellationToken.None);
    }

    public static TheoryData<string, string> Faults => new()
    {
        { "ThrowingConstructor", "constructor refuses to run" },
        { "ThrowingStart", "start refuses to run" },
        { "NoModule", "exports no IModule" },
        { "corrupt", "not a valid .NET assembly" },
        { "missing-dependency", "missing dependency DnsClient" },
        { "own-sdk", "carries its own Kernel.Abstractions.dll" },
        { "no-dll", "Healthy.dll is missing" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_fault_fails_only_that_plugin_with_its_name_and_reason(string fault, string reason)
    {
        await using var h = new PluginHostHarness();
        string broken, other;
        switch (fault)
        {
            case "corrupt":
                (broken, other) = ("Healthy", "DnsProbe180");
                var dll = Path.Combine(h.Install(broken), "Healthy.dll");
                File.WriteAllBytes(dll, [.. File.ReadAllBytes(dll).Take(300)]);
                break;
            case "missing-dependency":
                (broken, other) = ("DnsProbe180", "Healthy");
                File.Delete(Path.Combine(h.Install(broken), "DnsClient.dll"));
                break;
            case "own-sdk":
                (broken, other) = ("Healthy", "DnsProbe180");
                File.Copy(typeof(IModule).Assembly.Location, Path.Combine(h.Install(broken), "Kernel.Abstractions.dll"));
                break;
            case "no-dll":
                (broken, other) = ("Healthy", "DnsProbe180");
                File.Delete(Path.Combine(h.Install(broken), "Healthy.dll"));
                break;
            default:
                (broken, other) = (fault, "Healthy");
                h.Install(broken);
                break;
        }
        h.Install(other);
        var host = h.CreateHost();

        await host.StartAsync(CancellationToken.None);

        var failed = host.Find(broken);
        Assert.Equal(PluginState.Failed, failed?.State);
        Assert.Contains(reason, failed!.Reason);
        Assert.Equal(PluginState.Active, host.Find(other)?.State);
        Assert.Contains(h.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains(broken, StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Only_the_selected_plugins_run()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        h.Install("DnsProbe180");
        // One comma-separated value, as `kernel serve --plugins Healthy` or KERNEL__… gives it.
        var host = h.CreateHost(new() { ["Kernel:Plugins"] = "Healthy" });

        await host.StartAsync(CancellationToken.None);

        Assert.Equal(PluginState.Active, host.Find("Healthy")?.State);
        Assert.Equal(PluginState.Disabled, host.Find("DnsProbe180")?.State);
        Assert.False(File.Exists(h.PluginData("DnsProbe180", "dnsclient-version")));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_selected_plugin_without_a_folder_is_failed_by_name()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        var host = h.CreateHost(new() { ["Kernel:Plugins:0"] = "Healthy", ["Kernel:Plugins:1"] = "Smtp" });

        await host.StartAsync(CancellationToken.None);

        Assert.Equal(PluginState.Active, host.Find("Healthy")?.State);
        Assert.Equal(PluginState.Failed, host.Find("Smtp")?.State);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_stops_the_modules_and_publishes_unloaded()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        var loaded = new TaskCompletionSource<PluginLoaded>(TaskCreationOptions.RunContinuationsAsynchronously);
        var unloaded = new TaskCompletionSource<PluginUnloaded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var s1 = h.Bus.Subscribe<PluginLoaded>((e, _) => { loaded.TrySetResult(e); return ValueTask.CompletedTask; });
        using var s2 = h.Bus.Subscribe<PluginUnloaded>((e, _) => { unloaded.TrySetResult(e); return ValueTask.CompletedTask; });
        var host = h.CreateHost();

        await host.StartAsync(CancellationToken.None);
        Assert.Equal("Healthy", File.ReadAllText(h.PluginData("Healthy", "started")));
        Assert.Equal(new PluginStatus("Healthy", PluginState.Active, "1.2.3", SdkVersion.Current, null), host.Find("Healthy"));
        Assert.Equal("1.2.3", (await loaded.Task.WaitAsync(Bound)).Version);
        await host.StopAsync(CancellationToken.None);

        Assert.True(File.Exists(h.PluginData("Healthy", "stopped")));
        Assert.Equal("Healthy", (await unloaded.Task.WaitAsync(Bound)).Name);
        Assert.Equal(PluginState.Unloaded, host.Find("Healthy")?.State);
    }

    [Fact]
    public async Task Unload_stops_the_plugin_and_its_load_context_is_collected()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        h.Install("DnsProbe180");
        var host = h.CreateHost(adjust: o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        var context = host.LoadContextOf("DnsProbe180");
        Assert.NotNull(context);

        Assert.True(await host.UnloadAsync("DnsProbe180"));

        Assert.Equal(PluginState.Unloaded, host.Find("DnsProbe180")?.State);
        Assert.Equal(PluginState.Active, host.Find("Healthy")?.State);
        Assert.True(await CollectedAsync(context!), "the unloaded plugin's load context was not collected");
        Assert.False(await host.UnloadAsync("DnsProbe180"));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_folder_dropped_into_a_running_server_starts_and_removing_it_unloads_it()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        var host = h.CreateHost();
        await host.StartAsync(CancellationToken.None);
        var admin = new PluginAdministration(h.PluginsDirectory);

        Assert.Equal("DnsProbe180", admin.Install(TestPlugins.BuiltFolder("DnsProbe180")));

        Assert.Equal(PluginState.Active, (await PluginHostHarness.WaitForStateAsync(host, "DnsProbe180", PluginState.Active, Bound))?.State);
        Assert.Equal("1.8.0", File.ReadAllText(h.PluginData("DnsProbe180", "dnsclient-version")));
        var context = host.LoadContextOf("DnsProbe180")!;

        admin.Unload("DnsProbe180");

        Assert.Equal(PluginState.Unloaded, (await PluginHostHarness.WaitForStateAsync(host, "DnsProbe180", PluginState.Unloaded, Bound))?.State);
        Assert.True(await CollectedAsync(context), "the removed plugin's load context was not collected");
        Assert.True(Directory.Exists(Path.Combine(h.PluginsDirectory, PluginAdministration.UnloadedFolder, "DnsProbe180")));
        Assert.Equal(PluginState.Active, host.Find("Healthy")?.State);

        // Installing it again brings it back without a restart.
        admin.Install(TestPlugins.BuiltFolder("DnsProbe180"));
        Assert.Equal(PluginState.Active, (await PluginHostHarness.WaitForStateAsync(host, "DnsProbe180", PluginState.Active, Bound))?.State);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_partially_copied_folder_is_retried_when_the_copy_completes()
    {
        await using var h = new PluginHostHarness();
        var host = h.CreateHost();
        await host.StartAsync(CancellationToken.None);

        // A copy that stalls half-way: the DLL is truncated and its dependency not there yet.
        var folder = Path.Combine(h.PluginsDirectory, "DnsProbe180");
        Directory.CreateDirectory(folder);
        var source = TestPlugins.BuiltFolder("DnsProbe180");
        File.WriteAllBytes(Path.Combine(folder, "DnsProbe180.dll"), [.. File.ReadAllBytes(Path.Combine(source, "DnsProbe180.dll")).Take(1000)]);
        Assert.Equal(PluginState.Failed, (await PluginHostHarness.WaitForStateAsync(host, "DnsProbe180", PluginState.Failed, Bound))?.State);

        TestPlugins.CopyInto(h.PluginsDirectory, "DnsProbe180");

        Assert.Equal(PluginState.Active, (await PluginHostHarness.WaitForStateAsync(host, "DnsProbe180", PluginState.Active, Bound))?.State);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Staging_folders_are_ignored()
    {
        await using var h = new PluginHostHarness();
        Directory.Move(h.Install("Healthy"), Path.Combine(h.PluginsDirectory, ".staging-Healthy-1"));
        var host = h.CreateHost();

        await host.StartAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);

        Assert.Empty(host.Plugins);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_a_router_plugin_the_default_router_is_used_and_the_kernels_own_export_is_not_taken_for_a_plugins()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        var host = h.CreateHost();

        await host.StartAsync(CancellationToken.None);

        Assert.Same(h.DefaultRouter, host.Router);
        Assert.Null(host.RuleEngine);
        await host.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(null, "kernel-default")]
    [InlineData("DnsProbe161", "DnsProbe161")]
    [InlineData("DnsProbe180", "DnsProbe180")]
    public async Task When_two_plugins_fill_the_router_configuration_chooses_never_load_order(string? choice, string expected)
    {
        await using var h = new PluginHostHarness();
        h.Install("DnsProbe161");
        h.Install("DnsProbe180");
        var host = h.CreateHost(new() { ["Kernel:Router"] = choice });

        await host.StartAsync(CancellationToken.None);

        var decision = await host.Router.RouteAsync(new RouteRequest("bob@x.dom", RouteKind.Mail, RequestSource.InternalSource("test")));
        Assert.Equal(expected, Assert.IsType<RouteResult.Reject>(decision.Result).Text);
        if (choice is null) Assert.Contains(h.Logs.Lines, l => l.Contains("Kernel:Router", StringComparison.Ordinal));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task One_router_plugin_is_used_and_unloading_it_falls_back_to_the_default()
    {
        await using var h = new PluginHostHarness();
        h.Install("DnsProbe161");
        var host = h.CreateHost(adjust: o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        Assert.Equal("DnsProbe161.DnsProbe161Router", host.Router.GetType().FullName);
        Assert.NotSame(h.DefaultRouter, host.Router);

        await host.UnloadAsync("DnsProbe161");

        Assert.Same(h.DefaultRouter, host.Router);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Overwriting_a_loaded_dll_in_place_does_not_reach_the_running_plugin()
    {
        await using var h = new PluginHostHarness();
        var dll = Path.Combine(h.Install("Healthy"), "Healthy.dll");
        var host = h.CreateHost(adjust: o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);

        // Truncate and rewrite the file the plugin came from: a mapped image would die with SIGBUS on the next page touched.
        using (var file = new FileStream(dll, FileMode.Open, FileAccess.Write)) file.SetLength(0);
        File.WriteAllBytes(dll, new byte[4096]);

        await host.StopAsync(CancellationToken.None);
        Assert.True(File.Exists(h.PluginData("Healthy", "stopped")));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static async Task<bool> CollectedAsync(WeakReference context)
    {
        for (var i = 0; i < 100 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }
        return !context.IsAlive;
    }
}
