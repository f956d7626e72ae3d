using Dapper;
using Kernel.Abstractions;
using Kernel.Configuration;
using Kernel.Storage;
using Kernel.Tests.Accounts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Configuration;

public sealed class ConfigurationStoreTests : IDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    private readonly AccountStoreHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_document_is_null_until_set_then_replaced_whole_and_each_write_bumps_the_sequence()
    {
        var store = _h.Configuration;
        Assert.Null(await store.GetAsync("router"));
        var start = await store.GetChangeSequenceAsync();
        var first = await store.SetAsync("router", "<a@x.dom> = b\n");
        Assert.Equal(start + 1, first);
        Assert.Equal("<a@x.dom> = b\n", await store.GetAsync("router"));
        var second = await store.SetAsync("router", "");
        Assert.Equal(first + 1, second);
        Assert.Equal("", await store.GetAsync("router"));
        Assert.Equal(second, await store.GetChangeSequenceAsync());
        Assert.Null(await store.GetAsync("rules"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" router")]
    [InlineData("a\nb")]
    public async Task A_bad_document_name_is_refused(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _h.Configuration.SetAsync(name, "x"));
        Assert.Equal(0, await _h.Configuration.GetChangeSequenceAsync());
    }

    [Fact]
    public async Task A_change_made_through_another_database_instance_is_seen_as_another_process_would_see_it()
    {
        // Two SqliteDatabase instances on one folder: a running server and the CLI.
        var cli = new SqliteDatabase(_h.DataDirectory);
        cli.Migrate();
        var cliConfig = new SqliteConfigurationStore(cli);
        var cliAccounts = _h.NewStore(cli);
        var before = await _h.Configuration.GetChangeSequenceAsync();

        await cliConfig.SetAsync("router", "table v1");
        Assert.Equal("table v1", await _h.Configuration.GetAsync("router"));
        Assert.Equal(before + 1, await _h.Configuration.GetChangeSequenceAsync());

        await cliAccounts.SetSettingAsync(SettingScope.Server, "Smtp.MaxSize", "10M");
        Assert.Equal(before + 2, await _h.Configuration.GetChangeSequenceAsync());
        Assert.Equal("10M", await _h.Store.GetSettingAsync(SettingScope.Server, "Smtp.MaxSize"));

        await cliAccounts.CreateDomainAsync("test.dom");
        Assert.Equal(before + 3, await _h.Configuration.GetChangeSequenceAsync());
    }

    [Fact]
    public async Task A_poll_announces_each_changed_document_once_and_settings_as_a_null_name()
    {
        var watcher = new ConfigurationChangeWatcher(_h.Configuration, _h.Bus, NullLogger<ConfigurationChangeWatcher>.Instance);
        await watcher.StartAsync(CancellationToken.None);
        await watcher.StopAsync(CancellationToken.None);
        Assert.Equal(0, await watcher.PollAsync(CancellationToken.None));

        await _h.Configuration.SetAsync("router", "v1");
        await _h.Configuration.SetAsync("router", "v2");
        await _h.Configuration.SetAsync("rules", "r1");
        var sequence = await _h.Configuration.GetChangeSequenceAsync();
        Assert.Equal(2, await watcher.PollAsync(CancellationToken.None));
        var events = _h.Bus.Of<ConfigurationChanged>().ToList();
        Assert.Equal(["router", "rules"], events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal(sequence, e.Sequence));

        await _h.Store.SetSettingAsync(SettingScope.Server, "K", "v");
        Assert.Equal(1, await watcher.PollAsync(CancellationToken.None));
        Assert.Null(_h.Bus.Of<ConfigurationChanged>().Last().Name);
        Assert.Equal(0, await watcher.PollAsync(CancellationToken.None));
    }

    [Fact]
    public async Task When_the_change_records_were_trimmed_the_watcher_announces_something_changed()
    {
        var watcher = new ConfigurationChangeWatcher(_h.Configuration, _h.Bus, NullLogger<ConfigurationChangeWatcher>.Instance);
        await watcher.StartAsync(CancellationToken.None);
        await watcher.StopAsync(CancellationToken.None);
        await _h.Configuration.SetAsync("router", "v1");
        await _h.Configuration.SetAsync("rules", "v1");
        using (var c = _h.Database.Open())
            c.Execute("DELETE FROM config_changes WHERE name = 'router'");
        Assert.Equal(2, await watcher.PollAsync(CancellationToken.None));
        Assert.Equal(["rules", null], _h.Bus.Of<ConfigurationChanged>().Select(e => e.Name));
    }

    [Fact]
    public async Task The_change_records_are_trimmed_to_the_recent_past()
    {
        using var c = _h.Database.Open();
        using (var tx = c.BeginTransaction())
        {
            for (var i = 0; i < ChangeSequence.RetainedChanges + 150; i++) await ChangeSequence.BumpAsync(c, tx, "router", CancellationToken.None);
            tx.Commit();
        }
        Assert.InRange(c.ExecuteScalar<long>("SELECT COUNT(*) FROM config_changes"), 1, ChangeSequence.RetainedChanges + 100);
        Assert.Equal(ChangeSequence.RetainedChanges + 150, await _h.Configuration.GetChangeSequenceAsync());
    }

    [Fact]
    public async Task A_running_watcher_publishes_a_change_another_process_made_within_a_second_or_so()
    {
        await using var watcher = new ConfigurationChangeWatcher(_h.Configuration, _h.Bus, NullLogger<ConfigurationChangeWatcher>.Instance, TimeSpan.FromMilliseconds(100));
        await _h.Configuration.SetAsync("router", "before start");
        await watcher.StartAsync(CancellationToken.None);

        var cli = new SqliteConfigurationStore(new SqliteDatabase(_h.DataDirectory));
        var sequence = await cli.SetAsync("router", "after start");

        var seen = await _h.Bus.WaitForAsync<ConfigurationChanged>(e => e.Name == "router", Bounded);
        Assert.Equal(sequence, seen.Sequence);
        // The change made before start is not announced again.
        Assert.Single(_h.Bus.Of<ConfigurationChanged>());
        await watcher.StopAsync(CancellationToken.None);
    }
}
