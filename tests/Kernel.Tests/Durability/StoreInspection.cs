using Kernel.Abstractions;
using Kernel.Hosting;
using Kernel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Durability;

/// <summary>
/// Opens a stopped server's data folder in this process the way the server does (<see cref="KernelServices.Build"/>)
/// and reads what a user would see: the database's integrity, whether opening it applied any migration, every INBOX
/// message in full, and every body the bodies table references (a file, or inline bytes in <c>body_data</c>).
/// </summary>
internal sealed record StoreInspection(
    string IntegrityCheck,
    IReadOnlyList<string> MigrationsBefore,
    IReadOnlyList<string> MigrationsAfter,
    IReadOnlyList<byte[]> Messages,
    IReadOnlyList<string> Unreadable,
    int InlineBodies,
    int FileBodies)
{
    public static async Task<StoreInspection> InspectAsync(string dataDirectory, AccountAddress account)
    {
        var databasePath = Path.Combine(dataDirectory, "kernel.db");
        string integrity;
        IReadOnlyList<string> before;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString()))
        {
            connection.Open();
            integrity = string.Join("; ", Query(connection, "PRAGMA integrity_check"));
            before = Query(connection, "SELECT number || ' ' || name || ' ' || applied FROM schema_migrations ORDER BY number");
        }

        var messages = new List<byte[]>();
        var unreadable = new List<string>();
        int inline = 0, files = 0;
        var paths = new KernelPaths(dataDirectory, Path.Combine(dataDirectory, "no-plugins"));
        await using (var services = KernelServices.Build(paths, new ConfigurationBuilder().Build(), NullLoggerFactory.Instance))
        {
            var database = services.GetRequiredService<SqliteDatabase>(); // migrates, as a starting server does
            var store = services.GetRequiredService<IMailboxStore>();
            var bodies = services.GetRequiredService<BodyStore>();
            var principal = Principal.User(account);
            foreach (var summary in await store.FetchAsync(principal, "INBOX", UidSet.All))
            {
                try
                {
                    var body = await store.OpenMessageAsync(principal, "INBOX", summary.Uid)
                               ?? throw new InvalidDataException("no body");
                    using var copy = new MemoryStream();
                    await using (var stream = body.OpenRead()) await stream.CopyToAsync(copy);
                    if (copy.Length != summary.Size || body.Length != summary.Size)
                        throw new InvalidDataException($"read {copy.Length} bytes, body says {body.Length}, the index says {summary.Size}");
                    messages.Add(copy.ToArray());
                }
                catch (Exception e) when (e is IOException or InvalidDataException or StoredBodyException)
                {
                    unreadable.Add($"uid {summary.Uid}: {e.Message}");
                }
            }
            // Every referenced body is whole: a file present with the size its row records, or inline bytes of that size.
            using var connection = database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT b.id, b.size, length(d.data) FROM bodies b LEFT JOIN body_data d ON d.id = b.id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var file = bodies.Open(reader.GetString(0), reader.GetInt64(1));
                if (file.FilePath is null) inline++;
                else files++;
                if (file.FilePath is null)
                {
                    if (reader.IsDBNull(2) || reader.GetInt64(2) != file.Length)
                        unreadable.Add($"body {file.Id}: {(reader.IsDBNull(2) ? "inline bytes missing" : $"{reader.GetInt64(2)} inline bytes, expected {file.Length}")}");
                    continue;
                }
                var info = new FileInfo(file.FilePath);
                if (!info.Exists || info.Length != file.Length)
                    unreadable.Add($"body {file.Id}: {(info.Exists ? $"{info.Length} bytes, expected {file.Length}" : "file missing")}");
            }
        }
        IReadOnlyList<string> after;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString()))
        {
            connection.Open();
            after = Query(connection, "SELECT number || ' ' || name || ' ' || applied FROM schema_migrations ORDER BY number");
        }
        SqliteConnection.ClearAllPools();
        return new StoreInspection(integrity, before, after, messages, unreadable, inline, files);
    }

    private static List<string> Query(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }
}
