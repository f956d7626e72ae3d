using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Storage;

/// <summary>
/// The prepared-command cache and the lent connections that keep it (SqliteDatabase.RentAsync): one command per SQL
/// text and connection, parameters and transaction rebound at every call, and a connection given back open with its
/// commands unless a transaction was left on it.
/// </summary>
public sealed class PreparedCommandsTests : IDisposable
{
    private readonly TempDataFolder _folder = new();
    private readonly SqliteDatabase _database;

    public PreparedCommandsTests()
    {
        _database = new SqliteDatabase(_folder.Path);
        _database.Migrate();
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private const string Insert = "INSERT INTO mailbox_counters (name, value) VALUES (@name, @value)";
    private const string Select = "SELECT value FROM mailbox_counters WHERE name = @name";

    [Fact]
    public async Task A_statement_is_prepared_once_per_connection_and_rebound_per_call()
    {
        await using var lease = await _database.RentAsync();
        var c = lease.Connection;
        var first = c.Prepared(Select, null);
        Assert.Same(first, c.Prepared(Select, null));
        await c.ExecutePreparedAsync(Insert, new { name = "a", value = 1L });
        await c.ExecutePreparedAsync(Insert, new { name = "b", value = 2L });
        Assert.Equal(1L, await c.ExecuteScalarPreparedAsync<long?>(Select, new { name = "a" }));
        Assert.Equal(2L, await c.ExecuteScalarPreparedAsync<long?>(Select, new { name = "b" }));
        Assert.Equal(1L, await c.ExecuteScalarPreparedAsync<long>("SELECT @v IS NULL", new { v = (string?)null })); // null binds as NULL
        Assert.Null(await c.ExecuteScalarPreparedAsync<long?>(Select, new { name = "none" }));
        Assert.Equal(3, PreparedCommands.CachedCount(c));
    }

    [Fact]
    public async Task A_cached_command_follows_the_current_transaction_and_a_rollback_undoes_its_write()
    {
        await using var lease = await _database.RentAsync();
        var c = lease.Connection;
        using (var tx = c.BeginTransaction())
        {
            await c.ExecutePreparedAsync(Insert, new { name = "rolled", value = 1L }, tx);
            Assert.Equal(1L, await c.ExecuteScalarPreparedAsync<long?>(Select, new { name = "rolled" }, tx));
            tx.Rollback();
        }
        using (var tx = c.BeginTransaction())
        {
            await c.ExecutePreparedAsync(Insert, new { name = "kept", value = 2L }, tx);
            tx.Commit();
        }
        Assert.Null(await c.ExecuteScalarPreparedAsync<long?>(Select, new { name = "rolled" }));
        Assert.Equal(2L, await c.ExecuteScalarPreparedAsync<long?>(Select, new { name = "kept" }));
    }

    [Fact]
    public async Task Rows_map_to_types_and_tuples_and_a_second_row_for_a_single_is_an_error()
    {
        await using var lease = await _database.RentAsync();
        var c = lease.Connection;
        await c.ExecutePreparedAsync(Insert, new { name = "x", value = 5L });
        await c.ExecutePreparedAsync(Insert, new { name = "y", value = 6L });
        var rows = await c.QueryPreparedAsync<(string Name, long Value)>("SELECT name, value FROM mailbox_counters WHERE name IN ('x', 'y') ORDER BY name");
        Assert.Equal([("x", 5L), ("y", 6L)], rows);
        Assert.Equal(("x", 5L), await c.QuerySinglePreparedAsync<(string, long)>("SELECT name, value FROM mailbox_counters WHERE name = @name", new { name = "x" }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => c.QuerySingleOrDefaultPreparedAsync<string>("SELECT name FROM mailbox_counters WHERE name IN ('x', 'y')"));
        Assert.Null(await c.QuerySingleOrDefaultPreparedAsync<string>("SELECT name FROM mailbox_counters WHERE name = 'none'"));
    }

    [Fact]
    public async Task A_given_back_connection_is_lent_again_with_its_commands_unless_a_transaction_was_left_open()
    {
        SqliteConnection kept;
        await using (var lease = await _database.RentAsync())
        {
            kept = lease.Connection;
            await kept.ExecutePreparedAsync(Insert, new { name = "p", value = 1L });
        }
        await using (var lease = await _database.RentAsync())
        {
            Assert.Same(kept, lease.Connection);
            Assert.Equal(1, PreparedCommands.CachedCount(lease.Connection));
            lease.Connection.BeginTransaction(); // left open: the connection must not be lent to the next caller
        }
        await using (var lease = await _database.RentAsync())
        {
            Assert.NotSame(kept, lease.Connection);
            Assert.Equal(1L, await lease.Connection.ExecuteScalarPreparedAsync<long?>(Select, new { name = "p" }));
        }
    }

    [Fact]
    public async Task No_cached_statement_stays_busy_after_a_call_so_an_idle_connection_holds_no_read_snapshot()
    {
        // A statement left mid-step keeps a read transaction open: the WAL could never be checkpointed past it.
        await using var lease = await _database.RentAsync();
        var c = lease.Connection;
        await c.ExecutePreparedAsync(Insert, new { name = "s1", value = 1L });
        await c.ExecutePreparedAsync(Insert, new { name = "s2", value = 2L });
        await c.ExecuteScalarPreparedAsync<long?>("SELECT value FROM mailbox_counters ORDER BY name");
        await c.QuerySingleOrDefaultPreparedAsync<long?>(Select, new { name = "s1" });
        await c.QueryPreparedAsync<long>("SELECT value FROM mailbox_counters");
        await Assert.ThrowsAsync<InvalidOperationException>(() => c.QuerySingleOrDefaultPreparedAsync<long>("SELECT value FROM mailbox_counters"));
        // With the lent connection idle (still open, its statements kept), another connection writes and checkpoints the
        // whole WAL: a reader left on an old snapshot would make the TRUNCATE checkpoint report busy.
        using var other = _database.Open();
        using (var write = other.CreateCommand())
        {
            write.CommandText = "INSERT INTO mailbox_counters (name, value) VALUES ('s3', 3); PRAGMA busy_timeout=200;";
            write.ExecuteNonQuery();
        }
        using (var checkpoint = other.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var reader = checkpoint.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal(0L, reader.GetInt64(0)); // not busy
        }
        Assert.Equal(4, PreparedCommands.CachedCount(c));
        Assert.Equal(1, SQLitePCL.raw.sqlite3_get_autocommit(c.Handle!));
    }

    [Fact]
    public async Task After_dispose_the_idle_connections_are_closed_and_a_late_caller_gets_one_closed_after_use()
    {
        SqliteConnection idle;
        await using (var lease = await _database.RentAsync()) idle = lease.Connection;
        _database.Dispose();
        Assert.Equal(System.Data.ConnectionState.Closed, idle.State);
        SqliteConnection late;
        await using (var lease = await _database.RentAsync())
        {
            late = lease.Connection;
            Assert.Equal(0L, await late.ExecuteScalarPreparedAsync<long>("SELECT COUNT(*) FROM mailbox_counters WHERE name = 'none'"));
        }
        Assert.Equal(System.Data.ConnectionState.Closed, late.State);
    }
}
