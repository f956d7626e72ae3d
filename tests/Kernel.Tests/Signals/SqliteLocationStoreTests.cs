using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Signals;
using Kernel.Storage;
using Kernel.Tests.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Signals;

public sealed class SqliteLocationStoreTests : IDisposable
{
    private const string Aor = "sip:alice@test.dom";
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDataFolder _folder = new();
    private readonly ManualTime _time = new(T0);
    private readonly SqliteDatabase _database;
    private readonly SqliteLocationStore _store;

    public SqliteLocationStoreTests()
    {
        _database = new SqliteDatabase(_folder.Path);
        _database.Migrate();
        _store = new SqliteLocationStore(_database, _time);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private static LocationBinding Binding(string contact, int seconds = 3600, double q = 1.0, string callId = "call-1", uint cseq = 1, string aor = Aor) =>
        new(aor, contact, T0.AddSeconds(seconds), q, callId, cseq, "udp:127.0.0.1:5070", "<sip:proxy.test.dom;lr>", "<urn:uuid:1>");

    [Fact]
    public async Task Apply_stores_bindings_and_returns_them_highest_q_first()
    {
        var result = await _store.ApplyAsync(Aor, [Binding("sip:alice@10.0.0.1", q: 0.5), Binding("sip:alice@10.0.0.2", q: 0.9)], [], false);

        Assert.Equal(["sip:alice@10.0.0.2", "sip:alice@10.0.0.1"], result.Select(b => b.Contact));
        Assert.Equal(result, await _store.GetAsync(Aor));
        Assert.Equal(Binding("sip:alice@10.0.0.2", q: 0.9), result[0]);
    }

    [Fact]
    public async Task A_contact_registered_again_is_replaced()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:alice@10.0.0.1", cseq: 1)], [], false);

        var result = await _store.ApplyAsync(Aor, [Binding("sip:alice@10.0.0.1", seconds: 60, q: 0.3, callId: "call-2", cseq: 7)], [], false);

        var binding = Assert.Single(result);
        Assert.Equal(Binding("sip:alice@10.0.0.1", seconds: 60, q: 0.3, callId: "call-2", cseq: 7), binding);
    }

    [Fact]
    public async Task Remove_and_remove_all()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1"), Binding("sip:a@2"), Binding("sip:a@3")], [], false);

        var afterRemove = await _store.ApplyAsync(Aor, [], ["sip:a@2"], false);
        Assert.Equal(["sip:a@1", "sip:a@3"], afterRemove.Select(b => b.Contact));

        // removeAll runs first, then the upserts: the AOR ends with exactly the new contact.
        var afterAll = await _store.ApplyAsync(Aor, [Binding("sip:a@4")], [], true);
        Assert.Equal(["sip:a@4"], afterAll.Select(b => b.Contact));
    }

    [Fact]
    public async Task An_upsert_that_is_already_over_removes_the_contact()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1"), Binding("sip:a@2")], [], false);

        var result = await _store.ApplyAsync(Aor, [Binding("sip:a@1", seconds: 0)], [], false);

        Assert.Equal(["sip:a@2"], result.Select(b => b.Contact));
    }

    [Fact]
    public async Task Expired_bindings_are_never_returned_and_purge_removes_them()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@short", seconds: 60), Binding("sip:a@long", seconds: 600)], [], false);
        await _store.ApplyAsync("sip:bob@test.dom", [Binding("sip:b@short", seconds: 60, aor: "sip:bob@test.dom")], [], false);

        _time.Now = T0.AddSeconds(60); // exactly at expiry: over
        Assert.Equal(["sip:a@long"], (await _store.GetAsync(Aor)).Select(b => b.Contact));
        Assert.Equal(["sip:a@long"], (await _store.ListAsync()).Select(b => b.Contact));
        Assert.Empty(await _store.GetAsync("sip:bob@test.dom"));

        Assert.Equal(2, await _store.PurgeExpiredAsync(_time.Now));
        Assert.Equal(0, await _store.PurgeExpiredAsync(_time.Now));
        _time.Now = T0; // the purged rows are gone, not just hidden
        Assert.Equal(["sip:a@long"], (await _store.ListAsync()).Select(b => b.Contact));
    }

    [Fact]
    public async Task List_gives_every_aor()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1")], [], false);
        await _store.ApplyAsync("sip:bob@test.dom", [Binding("sip:b@1", aor: "sip:bob@test.dom")], [], false);

        Assert.Equal([Aor, "sip:bob@test.dom"], (await _store.ListAsync()).Select(b => b.AddressOfRecord));
    }

    [Fact]
    public async Task Aors_compare_without_case()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1")], [], false);

        Assert.Single(await _store.GetAsync("sip:ALICE@Test.Dom"));
    }

    [Fact]
    public async Task A_binding_for_another_aor_is_refused_and_nothing_changes()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1")], [], false);

        await Assert.ThrowsAsync<ArgumentException>(() => _store.ApplyAsync(Aor, [Binding("sip:a@2", aor: "sip:bob@test.dom")], [], true));

        Assert.Equal(["sip:a@1"], (await _store.GetAsync(Aor)).Select(b => b.Contact));
    }

    [Fact]
    public async Task A_failure_inside_the_transaction_leaves_the_previous_bindings()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1"), Binding("sip:a@2")], [], false);

        // removeAll has run when the second upsert violates NOT NULL: all of it must roll back.
        var broken = Binding("sip:a@4") with { CallId = null! };
        await Assert.ThrowsAsync<SqliteException>(() => _store.ApplyAsync(Aor, [Binding("sip:a@3"), broken], [], true));

        Assert.Equal(["sip:a@1", "sip:a@2"], (await _store.GetAsync(Aor)).Select(b => b.Contact));
    }

    [Fact]
    public async Task Concurrent_registrations_lose_nothing()
    {
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => _store.ApplyAsync(Aor, [Binding($"sip:a@{i}")], [], false))));

        Assert.Equal(20, (await _store.GetAsync(Aor)).Count);
    }

    [Fact]
    public async Task Bindings_survive_reopening_the_data_folder()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1", q: 0.7, cseq: 42)], [], false);
        SqliteConnection.ClearAllPools();

        var reopened = new SqliteDatabase(_folder.Path);
        reopened.Migrate();
        var store = new SqliteLocationStore(reopened, _time);

        Assert.Equal([Binding("sip:a@1", q: 0.7, cseq: 42)], await store.GetAsync(Aor));
    }

    [Fact]
    public async Task Removing_the_account_removes_its_bindings_only()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1")], [], false);
        await _store.ApplyAsync("sip:bob@test.dom", [Binding("sip:b@1", aor: "sip:bob@test.dom")], [], false);
        IAccountLifecycle lifecycle = _store;

        using (var connection = _database.Open())
        using (var tx = connection.BeginTransaction())
        {
            await lifecycle.OnRemovingAsync(new SqliteStoreTransaction(connection, tx), new AccountAddress("Alice", "TEST.dom"), CancellationToken.None);
            tx.Commit();
        }
        await lifecycle.OnRemovedAsync(new AccountAddress("alice", "test.dom"), CancellationToken.None);

        Assert.Empty(await _store.GetAsync(Aor));
        Assert.Single(await _store.GetAsync("sip:bob@test.dom"));
    }

    [Fact]
    public async Task Removal_rolled_back_with_the_account_keeps_the_bindings()
    {
        await _store.ApplyAsync(Aor, [Binding("sip:a@1")], [], false);
        IAccountLifecycle lifecycle = _store;

        using (var connection = _database.Open())
        using (var tx = connection.BeginTransaction())
        {
            await lifecycle.OnRemovingAsync(new SqliteStoreTransaction(connection, tx), new AccountAddress("alice", "test.dom"), CancellationToken.None);
            tx.Rollback();
        }

        Assert.Single(await _store.GetAsync(Aor));
    }
}
