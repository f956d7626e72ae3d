using System.Diagnostics;
using Kernel.Delivery;
using Kernel.Tests.Queue;

namespace Kernel.Tests.Durability;

/// <summary>
/// A server killed mid-batch leaves routing leases behind (2 minutes by default). A restarted worker takes over at once
/// the leases of workers whose process on this machine is gone, and only those: a live holder's lease is respected.
/// </summary>
public sealed class CrashedWorkerLeaseTests
{
    [Fact]
    public async Task Messages_leased_by_a_dead_process_are_delivered_at_once_and_a_live_holders_lease_is_respected()
    {
        await using var h = new QueueHarness();
        var dead = new WorkerName(Environment.MachineName, await ExitedProcessIdAsync(), "crashed");
        var alive = new WorkerName(Environment.MachineName, 1, "elsewhere"); // pid 1 always runs
        var other = new WorkerName("another-machine", dead.ProcessId, "remote");
        var ids = new Dictionary<WorkerName, string>();
        foreach (var holder in new[] { dead, alive, other })
        {
            ids[holder] = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body(holder.Instance))).QueueId!;
            var claimed = await h.Queue.Store.ClaimUnroutedAsync(holder.ToString(), h.Queue.Now, h.Queue.Now + (long)h.Options.RoutingLease.TotalMilliseconds, 1);
            Assert.Equal(ids[holder], Assert.Single(claimed).Message.Id);
        }

        await h.StartWorkerAsync();
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(ids[dead]).Result is null, "the dead worker's message delivered");
        await Task.Delay(300); // several polls: the other two stay leased
        Assert.Equal(["Subject: crashed"], h.Local.Appended.Select(a => a.Body.Split("\r\n").First(l => l.StartsWith("Subject:", StringComparison.Ordinal))));
        Assert.NotNull(await h.Queue.GetAsync(ids[alive]));
        Assert.NotNull(await h.Queue.GetAsync(ids[other]));

        h.Time.Advance(h.Options.RoutingLease + TimeSpan.FromSeconds(1)); // their leases expire as before
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 3, "all delivered after the leases expired");
    }

    [Theory]
    [InlineData("vm/123/abc", true)]
    [InlineData("vm/123/", false)]
    [InlineData("vm/x/abc", false)]
    [InlineData("atrn-session-7", false)]
    [InlineData("a/b/c/d", false)]
    public void Only_worker_names_parse(string text, bool parses) => Assert.Equal(parses, WorkerName.TryParse(text) is not null);

    [Fact]
    public void This_process_is_never_gone() => Assert.False(WorkerName.ForThisProcess().IsGone());

    private static async Task<int> ExitedProcessIdAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
