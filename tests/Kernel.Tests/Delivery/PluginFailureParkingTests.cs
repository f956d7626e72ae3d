using Kernel.Abstractions;
using Kernel.Delivery;
using Kernel.Plugins;
using Kernel.Queue;
using Kernel.Tests.Queue;
using Kernel.Tests.Queue.Fakes;

namespace Kernel.Tests.Delivery;

/// <summary>Issue 9 §2: every plugin call has a deadline; a recipient that keeps failing because of a plugin is parked, not retried for days.</summary>
public sealed class PluginFailureParkingTests
{
    private static QueueOptions Options(int parkAfter = 3, TimeSpan? parkAfterTime = null) => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50), RuleTimeout = TimeSpan.FromMilliseconds(200), RouterTimeout = TimeSpan.FromMilliseconds(200),
        ServerName = "mx.test.dom", ParkAfterFailures = parkAfter, ParkAfter = parkAfterTime ?? TimeSpan.FromHours(6),
    };

    /// <summary>
    /// Issue 9 §2: failures that have gone on for <see cref="QueueOptions.ParkAfter"/> park the recipient however few they
    /// are; a retry starts the clock again.
    /// </summary>
    [Fact]
    public async Task A_router_failing_for_longer_than_ParkAfter_parks_the_recipient_whatever_the_count_and_retry_restarts_the_clock()
    {
        var retry = new QueueOptions().RoutingRetry;
        await using var h = new QueueHarness(options: Options(parkAfter: 100, parkAfterTime: retry * 2));
        var failing = true;
        var calls = 0;
        ((FakeRouter)h.Extensions.Router).Override = a =>
        {
            if (!a.StartsWith("alice", StringComparison.Ordinal)) return null;
            Interlocked.Increment(ref calls);
            return failing ? throw new InvalidOperationException("directory down") : null;
        };
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("old"))).QueueId!;
        for (var i = 1; i <= 2; i++)
        {
            var n = i;
            await QueueHarness.WaitUntilAsync(() => Volatile.Read(ref calls) == n && h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == n, $"failure {n}");
            Assert.NotNull((await h.Queue.GetAsync(id))!.Recipients[0].NextAttempt);
            h.Time.Advance(h.Options.RoutingRetry);
        }
        // The third failure comes 2 x RoutingRetry after the first: ParkAfter has passed, far below 100 failures.
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].LastError?.StartsWith("parked after", StringComparison.Ordinal) == true, "parked by age");
        var parked = (await h.Queue.GetAsync(id))!.Recipients[0];
        Assert.StartsWith("parked after 3 failures", parked.LastError);
        Assert.Null(parked.NextAttempt);

        // A retry starts a new run: the next failure is postponed, not parked at once by the old run's age.
        Assert.True(await h.Queue.RetryAsync(id));
        await QueueHarness.WaitUntilAsync(() => Volatile.Read(ref calls) == 4 && h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == 1, "failure after retry");
        var resumed = (await h.Queue.GetAsync(id))!.Recipients[0];
        Assert.NotNull(resumed.NextAttempt);
        Assert.Contains("directory down", resumed.LastError);
        Assert.DoesNotContain("parked", resumed.LastError);
        failing = false;
        h.Time.Advance(h.Options.RoutingRetry);
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered after retry");
    }

    [Fact]
    public async Task A_plugin_call_that_ignores_its_token_ends_at_the_deadline_as_a_temporary_failure()
    {
        var never = new TaskCompletionSource<int>();
        var result = await PluginCallPolicy.RunAsync("router", _ => never.Task, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.False(result.Succeeded);
        Assert.Contains("router did not answer within", result.Failure);
        var thrown = await PluginCallPolicy.RunAsync<int>("rules", _ => throw new InvalidOperationException("boom"), TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal("rules failed: boom", thrown.Failure);
        var ok = await PluginCallPolicy.RunAsync("rules", _ => Task.FromResult(7), TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.True(ok.Succeeded);
        Assert.Equal(7, ok.Value);
    }

    [Fact]
    public async Task A_router_that_keeps_throwing_parks_the_recipient_with_its_reason_and_retry_resumes_it()
    {
        await using var h = new QueueHarness(options: Options());
        var failing = true;
        var calls = 0;
        ((FakeRouter)h.Extensions.Router).Override = a =>
        {
            if (!a.StartsWith("alice", StringComparison.Ordinal)) return null;
            Interlocked.Increment(ref calls);
            return failing ? throw new InvalidOperationException("directory down") : null;
        };
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("park"))).QueueId!;
        for (var i = 1; i <= 3; i++)
        {
            var n = i;
            await QueueHarness.WaitUntilAsync(() => Volatile.Read(ref calls) == n && h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == n, $"failure {n}");
            h.Time.Advance(h.Options.RoutingRetry);
        }
        var parked = (await h.Queue.GetAsync(id))!.Recipients[0];
        Assert.StartsWith("parked after 3 failures", parked.LastError);
        Assert.Contains("directory down", parked.LastError);
        Assert.Null(parked.NextAttempt);
        // Parked: time passing does not call the plugin again.
        h.Time.Advance(TimeSpan.FromHours(1));
        await Task.Delay(300);
        Assert.Equal(3, Volatile.Read(ref calls));
        failing = false;
        Assert.True(await h.Queue.RetryAsync(id));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered after retry");
        Assert.Empty(h.Factory.Dsns);
    }

    [Fact]
    public async Task A_router_that_hangs_is_cut_off_at_its_deadline_and_retried()
    {
        await using var h = new QueueHarness(options: Options(parkAfter: 10));
        var hang = true;
        var router = new HangingRouter((FakeRouter)h.Extensions.Router, () => hang);
        h.Extensions.Router = router;
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("hang"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].LastError is { } e && e.Contains("did not answer"), "timed out");
        hang = false;
        h.Time.Advance(h.Options.RoutingRetry);
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered on retry");
    }

    private sealed class HangingRouter(FakeRouter inner, Func<bool> hang) : IAddressRouter
    {
        public async ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
        {
            if (hang()) await Task.Delay(Timeout.Infinite, CancellationToken.None); // ignores its token on purpose
            return await inner.RouteAsync(request, cancellationToken);
        }
    }
}
