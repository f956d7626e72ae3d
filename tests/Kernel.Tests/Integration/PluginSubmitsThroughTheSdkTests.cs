using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;
using static Kernel.Tests.Integration.KernelBed;

namespace Kernel.Tests.Integration;

/// <summary>
/// Issue 3 §5: "a test plugin that submits through the SDK sees the message in INBOX, and with a bus subscriber is
/// told it was delivered". The server is started as <c>kernel serve</c> starts it (KernelServer: watcher, pipeline,
/// plugins) with tests/Plugins/InboxProbe in its plugins folder; the plugin holds only SDK types.
/// </summary>
public sealed class PluginSubmitsThroughTheSdkTests
{
    [Fact]
    public async Task A_plugin_submits_through_IMessageQueue_the_message_lands_in_INBOX_and_the_plugins_bus_subscriber_is_told()
    {
        var settings = new Dictionary<string, string?> { ["InboxProbe:To"] = "Alice@Company.Dom", ["InboxProbe:From"] = "probe@remote.example" };
        await using var bed = await KernelBed.CreateAsync(preparePlugins: folder => TestPlugins.CopyInto(folder, "InboxProbe"), settings: settings);
        await bed.StartServerAsync();

        var plugin = bed.Services.GetRequiredService<PluginHost>().Find("InboxProbe");
        Assert.NotNull(plugin);
        Assert.True(plugin.State == PluginState.Active, $"InboxProbe is {plugin.State}: {plugin.Reason}");

        var probeData = Path.Combine(bed.DataDirectory, "plugins", "InboxProbe");
        var submitted = Path.Combine(probeData, "submitted");
        var delivered = Path.Combine(probeData, "delivered");
        await WaitUntilAsync(() => Task.FromResult(File.Exists(submitted) && File.Exists(delivered)), "the probe's submission and its delivery event");
        var queueId = (await File.ReadAllTextAsync(submitted)).Trim();
        Assert.NotEmpty(queueId);

        // The plugin's own subscriber (through the SDK's IMessageBus) was told, with the account and mailbox.
        Assert.Equal($"{queueId} Alice@Company.Dom alice@company.dom INBOX 1", Assert.Single(await File.ReadAllLinesAsync(delivered)));
        // So was a kernel-side subscriber, about the same queue id.
        var seen = Assert.Single(bed.Delivered);
        Assert.Equal((queueId, A("alice"), "INBOX"), (seen.QueueId, seen.Account!, seen.Mailbox!));

        // And the message is in Alice's INBOX, as she reads it.
        var text = await ReadAsync((await bed.Mailboxes.OpenMessageAsync(U("alice"), "INBOX", 1))!);
        Assert.Contains("Subject: submitted by a plugin\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("hello from InboxProbe\r\n", text, StringComparison.Ordinal);
        await bed.WaitForEmptyQueueAsync();
    }
}
