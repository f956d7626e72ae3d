using System.Diagnostics;
using Kernel.Abstractions;
using Kernel.Plugins;

namespace Kernel.Tests.Plugins;

/// <summary>
/// Issue 8 §2 and §3 in one process: a plugin whose StartAsync never returns is failed at the start deadline and holds
/// up nobody else; the router supplier in force is never replaced by a later plugin; a plugin recorded as having brought
/// the process down is set aside until enabled.
/// </summary>
public sealed class PluginHostReliabilityTests
{
    [Fact]
    public async Task A_start_that_blocks_for_ever_fails_at_the_deadline_and_the_rest_run()
    {
        await using var h = new PluginHostHarness();
        h.Install("BlockingStart");
        h.Install("Healthy");
        var host = h.CreateHost(adjust: o => o with { StartTimeout = TimeSpan.FromSeconds(1), WatchFolder = false });
        var clock = Stopwatch.StartNew();

        await host.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        var blocked = host.Find("BlockingStart");
        Assert.Equal(PluginState.Failed, blocked?.State);
        Assert.Contains("did not start within 1 s", blocked!.Reason);
        Assert.Equal(PluginState.Active, host.Find("Healthy")?.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"start took {clock.Elapsed}");
        await host.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(File.Exists(h.PluginData("Healthy", "stopped")));
    }

    [Fact]
    public async Task While_one_plugin_blocks_in_its_start_others_install_and_unload_and_stop_is_bounded()
    {
        await using var h = new PluginHostHarness();
        var host = h.CreateHost(adjust: o => o with { StartTimeout = TimeSpan.FromSeconds(8), StopTimeout = TimeSpan.FromSeconds(1) });
        await host.StartAsync(CancellationToken.None);

        h.Install("BlockingStart");
        // Its start is under way (loaded, not active) and blocks for the whole deadline.
        Assert.Equal(PluginState.Loaded, (await PluginHostHarness.WaitForStateAsync(host, "BlockingStart", PluginState.Loaded, TimeSpan.FromSeconds(5)))?.State);
        var clock = Stopwatch.StartNew();
        h.Install("Healthy");
        Assert.Equal(PluginState.Active, (await PluginHostHarness.WaitForStateAsync(host, "Healthy", PluginState.Active, TimeSpan.FromSeconds(5)))?.State);
        Assert.True(await host.UnloadAsync("Healthy").WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"another plugin waited for the blocked one: {clock.Elapsed}");
        Assert.Equal(PluginState.Loaded, host.Find("BlockingStart")?.State);

        Assert.Equal(PluginState.Failed, (await PluginHostHarness.WaitForStateAsync(host, "BlockingStart", PluginState.Failed, TimeSpan.FromSeconds(15)))?.State);
        await host.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_second_router_dropped_in_is_ignored_with_a_warning_never_swapped_in()
    {
        await using var h = new PluginHostHarness();
        h.Install("DnsProbe161");
        var host = h.CreateHost(adjust: o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        Assert.Equal("DnsProbe161", await RejectTextAsync(host));

        h.Install("DnsProbe180");
        await host.ScanAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);

        Assert.Equal(PluginState.Active, host.Find("DnsProbe180")?.State);
        Assert.Equal("DnsProbe161", await RejectTextAsync(host));
        Assert.Contains(h.Logs.Lines, l => l.Contains("DnsProbe180", StringComparison.Ordinal) && l.Contains("ignored", StringComparison.Ordinal));

        // Even once the one in force goes, the ignored one is not swapped in while this host runs.
        await host.UnloadAsync("DnsProbe161");
        Assert.Same(h.DefaultRouter, host.Router);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task With_Kernel_Router_set_only_that_plugin_supplies_the_router_whatever_arrives()
    {
        await using var h = new PluginHostHarness();
        h.Install("DnsProbe180");
        var host = h.CreateHost(new() { ["Kernel:Router"] = "DnsProbe161" }, o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        Assert.Same(h.DefaultRouter, host.Router);

        h.Install("DnsProbe161");
        await host.ScanAsync(CancellationToken.None);
        await host.ScanAsync(CancellationToken.None);

        Assert.Equal("DnsProbe161", await RejectTextAsync(host));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_plugin_that_brought_the_process_down_is_set_aside_until_enabled()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        h.Install("DnsProbe180");
        PluginCrashRecord.Write(h.DataDirectory, "Healthy", "InvalidOperationException: boom");
        var host = h.CreateHost(adjust: o => o with { ScanInterval = TimeSpan.FromMilliseconds(100) });

        await host.StartAsync(CancellationToken.None);

        var aside = host.Find("Healthy");
        Assert.Equal(PluginState.Failed, aside?.State);
        Assert.Contains("set aside: brought the process down", aside!.Reason);
        Assert.Contains("boom", aside.Reason);
        Assert.Contains("kernel plugins enable Healthy", aside.Reason);
        Assert.Equal(PluginState.Active, host.Find("DnsProbe180")?.State);
        Assert.False(File.Exists(h.PluginData("Healthy", "started")));

        Assert.True(new PluginAdministration(h.PluginsDirectory, null, h.DataDirectory).Enable("Healthy"));

        Assert.Equal(PluginState.Active, (await PluginHostHarness.WaitForStateAsync(host, "Healthy", PluginState.Active, TimeSpan.FromSeconds(5)))?.State);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Faulted_background_work_fails_and_unloads_only_that_plugin()
    {
        await using var h = new PluginHostHarness();
        h.Install("Healthy");
        h.Install("DnsProbe180");
        var host = h.CreateHost(adjust: o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);

        host.ReportFault("Healthy", new InvalidOperationException("background boom"));

        var failed = await PluginHostHarness.WaitForStateAsync(host, "Healthy", PluginState.Failed, TimeSpan.FromSeconds(10));
        Assert.Equal(PluginState.Failed, failed?.State);
        Assert.Contains("its background work threw", failed!.Reason);
        Assert.Contains("background boom", failed.Reason);
        Assert.True(File.Exists(h.PluginData("Healthy", "stopped")), "the faulted plugin was not stopped");
        Assert.Equal(PluginState.Active, host.Find("DnsProbe180")?.State);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_exception_is_traced_to_the_plugin_whose_code_threw_it()
    {
        await using var h = new PluginHostHarness();
        h.Install("ThrowingStart");
        h.Install("Healthy");
        var host = h.CreateHost(adjust: o => o with { WatchFolder = false });
        await host.StartAsync(CancellationToken.None);
        // ThrowingStart was abandoned after its failed start: code of its context is still attributed to it.
        var module = host.LoadContextOf("Healthy")!.Target as System.Runtime.Loader.AssemblyLoadContext;
        Assert.NotNull(module);
        var type = module!.Assemblies.Single(a => a.GetName().Name == "Healthy").GetType("Healthy.HealthyModule")!;
        var instance = Activator.CreateInstance(type, h.Accounts);
        Exception? thrown = null;
        try
        {
            // StopAsync before StartAsync writes nowhere; StartAsync with a null context throws inside Healthy's code.
            await ((IModule)instance!).StartAsync(null!, CancellationToken.None);
        }
        catch (Exception e)
        {
            thrown = e;
        }

        Assert.NotNull(thrown);
        Assert.Equal("Healthy", host.OwnerOf(thrown!));
        Assert.Null(host.OwnerOf(new InvalidOperationException("the kernel's own")));
        await host.StopAsync(CancellationToken.None);
    }

    private static async Task<string> RejectTextAsync(PluginHost host)
    {
        var decision = await host.Router.RouteAsync(new RouteRequest("bob@x.dom", RouteKind.Mail, RequestSource.InternalSource("test")));
        return Assert.IsType<RouteResult.Reject>(decision.Result).Text;
    }
}
