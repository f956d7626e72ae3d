using System.Net;
using Kernel.Authentication;
using Kernel.Tests.Queue.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Connections;

/// <summary>The kernel's login throttle (issue 7 §1): free failures, doubling delays, lockout per address and per account, expiry, bounds.</summary>
public sealed class LoginThrottleTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.8");

    private readonly ManualTimeProvider _time = new();

    private LoginThrottle Create(LoginThrottleOptions? options = null) =>
        new(options ?? new LoginThrottleOptions { DelayStep = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(4) }, _time, NullLogger<LoginThrottle>.Instance);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 0)]
    [InlineData(4, 500)]
    [InlineData(5, 1000)]
    [InlineData(6, 2000)]
    [InlineData(8, 8000)]
    [InlineData(9, 15000)]
    [InlineData(1000, 15000)]
    public void Delays_are_free_then_double_up_to_the_maximum(int failures, int milliseconds)
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions(), _time, NullLogger<LoginThrottle>.Instance);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), throttle.Delay(failures));
    }

    [Fact]
    public async Task Failures_from_one_address_lock_it_out_for_every_account_until_the_period_ends()
    {
        var throttle = Create();
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await throttle.BeforeAttemptAsync(Client, $"user{i}@test.dom", CancellationToken.None)).Allowed);
            throttle.RecordFailure(Client, $"user{i}@test.dom");
        }
        var locked = await throttle.BeforeAttemptAsync(Client, "someone@test.dom", CancellationToken.None);
        Assert.False(locked.Allowed);
        Assert.Equal(TimeSpan.FromMinutes(15), locked.RetryAfter);
        Assert.True((await throttle.BeforeAttemptAsync(Other, "someone@test.dom", CancellationToken.None)).Allowed);

        _time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(TimeSpan.FromMinutes(1), (await throttle.BeforeAttemptAsync(Client, null, CancellationToken.None)).RetryAfter);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await throttle.BeforeAttemptAsync(Client, null, CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task Failures_against_one_account_lock_it_out_from_every_address_and_success_resets_the_account_only()
    {
        var throttle = Create();
        for (var i = 0; i < 9; i++) throttle.RecordFailure(IPAddress.Parse($"198.51.100.{i + 1}"), "Alice@Test.dom");
        Assert.True((await throttle.BeforeAttemptAsync(Other, "alice@test.dom", CancellationToken.None)).Allowed);
        throttle.RecordSuccess(Other, "alice@test.dom");
        throttle.RecordFailure(Other, "alice@test.dom");
        Assert.True((await throttle.BeforeAttemptAsync(Client, "alice@test.dom", CancellationToken.None)).Allowed);

        for (var i = 0; i < 10; i++) throttle.RecordFailure(null, "bob@test.dom");
        Assert.False((await throttle.BeforeAttemptAsync(Client, "BOB@test.dom", CancellationToken.None)).Allowed);
        Assert.True((await throttle.BeforeAttemptAsync(Client, "alice@test.dom", CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task Failures_older_than_the_window_are_forgotten()
    {
        var throttle = Create(new LoginThrottleOptions { LockoutFailures = 3, Window = TimeSpan.FromMinutes(5), DelayStep = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) });
        throttle.RecordFailure(Client, null);
        throttle.RecordFailure(Client, null);
        _time.Advance(TimeSpan.FromMinutes(6));
        throttle.RecordFailure(Client, null);
        Assert.True((await throttle.BeforeAttemptAsync(Client, null, CancellationToken.None)).Allowed);
        throttle.RecordFailure(Client, null);
        throttle.RecordFailure(Client, null);
        Assert.False((await throttle.BeforeAttemptAsync(Client, null, CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task An_attempt_past_the_free_failures_waits_the_delay()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions { FreeFailures = 1, DelayStep = TimeSpan.FromMilliseconds(150) }, _time, NullLogger<LoginThrottle>.Instance);
        throttle.RecordFailure(Client, null);
        var started = DateTime.UtcNow;
        await throttle.BeforeAttemptAsync(Client, null, CancellationToken.None);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromMilliseconds(100), "one free failure must not delay");
        throttle.RecordFailure(Client, null);
        started = DateTime.UtcNow;
        await throttle.BeforeAttemptAsync(Client, null, CancellationToken.None);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(140), "the second failure earns the delay step");
    }

    [Fact]
    public void The_table_stays_bounded()
    {
        var throttle = Create(new LoginThrottleOptions { MaxEntries = 100 });
        for (var i = 0; i < 1000; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            throttle.RecordFailure(new IPAddress(0x0A000000 + i), null);
        }
        Assert.InRange(throttle.Count, 1, 100);
    }

    [Fact]
    public void Options_come_from_kernel_login_throttle()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kernel:LoginThrottle:FreeFailures"] = "5",
            ["Kernel:LoginThrottle:DelayStepMilliseconds"] = "250",
            ["Kernel:LoginThrottle:MaxDelaySeconds"] = "4",
            ["Kernel:LoginThrottle:LockoutFailures"] = "20",
            ["Kernel:LoginThrottle:LockoutMinutes"] = "60",
            ["Kernel:LoginThrottle:WindowMinutes"] = "30",
        }).Build();
        var options = LoginThrottleOptions.FromConfiguration(configuration);
        Assert.Equal(new LoginThrottleOptions
        {
            FreeFailures = 5,
            DelayStep = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(4),
            LockoutFailures = 20,
            Lockout = TimeSpan.FromMinutes(60),
            Window = TimeSpan.FromMinutes(30),
        }, options);
    }
}
