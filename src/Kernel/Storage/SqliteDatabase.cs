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
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

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

    public string DataDirectory { get; }

    public string DatabasePath { get; }

    /// <summary>
    /// True when <see cref="Migrate"/> found no schema at all: this process created the store, so nothing on disk can be
    /// judged against it (the orphan sweep must not run: every body would look unreferenced).
    /// </summary>
    public bool CreatedInThisProcess { get; private set; }

    /// <summary>An open connection with the per-connection pragmas set. The caller disposes it (it returns to the pool).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (NeedsPragmas(connection))
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = ConnectionPragmas;
            pragma.ExecuteNonQuery();
            MarkPrepared(connection);
        }
        return connection;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (NeedsPragmas(connection))
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = ConnectionPragmas;
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            MarkPrepared(connection);
        }
        return connection;
    }

    private const string ConnectionPragmas = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";

    // The pragmas are settings of the SQLite handle, which the pool keeps open across Open/Dispose: they are set once
    // per handle, not on every Open (three statements parsed per Open showed in the SMTP benchmark's profile). No code
    // changes them afterwards, so a pooled handle still has them. Weak keys: a handle the pool closes is forgotten.
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> PreparedHandles = new();

    private static bool NeedsPragmas(SqliteConnection connection) => !PreparedHandles.TryGetValue(connection.Handle!, out _);

    private static void MarkPrepared(SqliteConnection connection) => PreparedHandles.AddOrUpdate(connection.Handle!, PreparedHandles);

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
