using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Kernel.Storage;

/// <summary>
/// The embedded store: one SQLite database under the data folder (WAL, synchronous=FULL where durability is promised).
/// Several processes (a running server and the CLI) share it; busy_timeout makes writers wait instead of failing.
/// Schema migrations are the numbered <c>Storage/Migrations/NNN_name.sql</c> files, applied once each, in order.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;

    /// <summary>
    /// Open connections lent by <see cref="RentAsync"/> and given back, each with the commands it prepared
    /// (<see cref="PreparedCommands"/>). Microsoft.Data.Sqlite's own pool keeps the native handle but finalizes every
    /// statement at each close, so a pooled open parses every statement again; these stay open and keep them.
    /// </summary>
    private readonly ConcurrentBag<SqliteConnection> _idle = [];

    private int _idleCount;
    private volatile bool _disposed;

    /// <summary>At most this many lent connections wait open (one per concurrent hot caller: writers, routing, IMAP sessions); more are closed.</summary>
    private const int MaxIdle = 8;

    public SqliteDatabase(string dataDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(DataDirectory);
        DatabasePath = Path.Combine(DataDirectory, "kernel.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>
    /// The write gate of this process: the hot write transactions (the queue's submission and outcome group commits,
    /// the routing stage's claim and completion, the mailbox group commit) take it before BEGIN IMMEDIATE, so they
    /// queue here and start the moment the previous one commits. Without it they met in SQLite's busy handler, which
    /// sleeps 1, 2, 5, 10, 15, 20, 25 ms between tries (a blocked thread-pool thread each time): under 20 SMTP sessions
    /// ~0.2 sleeps per message, 1–27 ms each, in front of the batch's commit and so of every 250 waiting for it
    /// (bench/Smtp/RESULTS.md, 2026-12-03 23:00Z). Other processes (the CLI) still meet busy_timeout, as before.
    /// </summary>
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>Waits for this process's turn to write (see <see cref="_writeGate"/>); dispose the turn after the commit or rollback.</summary>
    public async ValueTask<WriteTurn> EnterWriteAsync()
    {
        await _writeGate.WaitAsync();
        return new WriteTurn(_writeGate);
    }

    /// <summary>One holder of the write gate; disposing it lets the next writer in.</summary>
    public readonly struct WriteTurn(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    public string DataDirectory { get; }

    public string DatabasePath { get; }

    /// <summary>
    /// True when <see cref="Migrate"/> found no schema at all: this process created the store, so nothing on disk can be
    /// judged against it (the orphan sweep must not run: every body would look unreferenced).
    /// </summary>
    public bool CreatedInThisProcess { get; private set; }

    private const string Pragmas = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";

    /// <summary>
    /// The native handles that already have <see cref="Pragmas"/>: a pooled connection keeps its handle and the pragmas
    /// stay set on it, so only a new handle pays for them (three statements parsed per open were a third of the SQL
    /// work of a per-message call such as the IMAP FETCH of a body). Nothing in the kernel changes them afterwards.
    /// </summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    private static readonly object ConfiguredMark = new();

    private static bool NeedsPragmas(SqliteConnection connection) =>
        connection.Handle is not { } handle || !Configured.TryGetValue(handle, out _);

    /// <summary>An open connection with the per-connection pragmas set. The caller disposes it (it returns to the pool).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (!NeedsPragmas(connection)) return connection;
        using var pragma = connection.CreateCommand();
        pragma.CommandText = Pragmas;
        pragma.ExecuteNonQuery();
        Configure(connection);
        return connection;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (!NeedsPragmas(connection)) return connection;
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = Pragmas;
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        Configure(connection);
        return connection;
    }

    /// <summary>
    /// A connection kept open between callers, with the statements it already prepared: for the hot paths (the write
    /// batches, routing and mailbox look-ups). Give it back by disposing the lease; one caller uses it at a time.
    /// </summary>
    public async ValueTask<RentedConnection> RentAsync(CancellationToken cancellationToken = default)
    {
        // As an open would: a cancelled caller gets no connection (a prepared statement itself runs to the end, as SQLite's do).
        cancellationToken.ThrowIfCancellationRequested();
        return new RentedConnection(this, TakeIdle() ?? await OpenAsync(cancellationToken));
    }

    /// <summary>As <see cref="RentAsync"/>, for a synchronous caller (the queue's submission writer).</summary>
    public RentedConnection Rent() => new(this, TakeIdle() ?? Open());

    private SqliteConnection? TakeIdle()
    {
        if (!_idle.TryTake(out var connection)) return null;
        Interlocked.Decrement(ref _idleCount);
        return connection;
    }

    /// <summary>Takes a lent connection back: kept when it is clean (no transaction left open), otherwise closed.</summary>
    internal void Return(SqliteConnection connection)
    {
        // Not in autocommit mode: a transaction the caller did not end (it should have been rolled back by its
        // disposal); such a connection is not handed to the next caller.
        var clean = connection.State == System.Data.ConnectionState.Open && connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) != 0;
        if (clean && !_disposed)
        {
            if (Interlocked.Increment(ref _idleCount) <= MaxIdle)
            {
                _idle.Add(connection);
                if (_disposed) CloseIdle(); // disposed meanwhile: this one came after the sweep
                return;
            }
            Interlocked.Decrement(ref _idleCount);
        }
        Close(connection);
    }

    /// <summary>
    /// Closes the idle lent connections (shutdown); a connection still lent is closed when it comes back, and a caller
    /// that still rents one (a late writer during shutdown) gets a fresh connection, closed after its use.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    /// <summary>Closes the idle lent connections (shutdown, or a test that needs every handle opened anew).</summary>
    internal void CloseIdle()
    {
        while (TakeIdle() is { } connection) Close(connection);
    }

    private static void Close(SqliteConnection connection)
    {
        PreparedCommands.Forget(connection);
        connection.Dispose();
    }

    /// <summary>
    /// Test hook: called with (database path, statement text) for every statement a connection of this process starts,
    /// once set before the connection's native handle is opened (sqlite3_trace) — counts statements per message.
    /// </summary>
    internal static Action<string, string>? StatementTrace { get; set; }

    private void Configure(SqliteConnection connection)
    {
        if (connection.Handle is not { } handle) return;
        Configured.AddOrUpdate(handle, ConfiguredMark);
        if (StatementTrace is { } trace)
        {
            var path = DatabasePath;
            SQLitePCL.raw.sqlite3_trace(handle, (_, sql) => trace(path, sql), null);
        }
    }

    /// <summary>Switches to WAL and applies every migration not yet applied, each in its own transaction.</summary>
    public void Migrate()
    {
        using var connection = Open();
        connection.Execute("PRAGMA journal_mode=WAL;");
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") == 0)
            CreatedInThisProcess = true;
        connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)");
        var applied = connection.Query<long>("SELECT number FROM schema_migrations").ToHashSet();
        foreach (var (number, name, sql) in LoadMigrations())
        {
            if (applied.Contains(number)) continue;
            using var tx = connection.BeginTransaction();
            // Another process may have applied it between our read and this write lock.
            if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM schema_migrations WHERE number = @number", new { number }, tx) > 0)
            {
                tx.Rollback();
                continue;
            }
            connection.Execute(sql, transaction: tx);
            connection.Execute("INSERT INTO schema_migrations (number, name, applied) VALUES (@number, @name, @applied)",
                new { number, name, applied = DateTimeOffset.UtcNow.ToString("O") }, tx);
            tx.Commit();
        }
        // After the schema is durable: a marker without a store would only make the folder refuse to start (fixable),
        // a store without a marker could later be replaced by an empty one (DataFolder.SignOfUse).
        DataFolder.MarkStore(DataDirectory);
    }

    private static IEnumerable<(long Number, string Name, string Sql)> LoadMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<(long, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("Migrations.", StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var name = resource["Migrations.".Length..^".sql".Length];
            var underscore = name.IndexOf('_');
            if (underscore <= 0 || !long.TryParse(name[..underscore], out var number))
                throw new InvalidOperationException($"migration {resource}: name must be NNN_description.sql");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add((number, name, reader.ReadToEnd()));
        }
        return migrations.OrderBy(m => m.Item1);
    }
}
