using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Cli;

/// <summary>
/// Everything a data folder holds, as text: each table's rows (sorted) and each file's name and size. Two equal
/// snapshots around a failed command prove that nothing was half-written.
/// </summary>
public static class DataSnapshot
{
    public static string Take(string dataDirectory)
    {
        var lines = new List<string>();
        var database = Path.Combine(dataDirectory, "kernel.db");
        if (File.Exists(database))
        {
            using var connection = Open(database);
            var tables = new List<string>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
                using var reader = command.ExecuteReader();
                while (reader.Read()) tables.Add(reader.GetString(0));
            }
            foreach (var table in tables)
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                using var reader = command.ExecuteReader();
                var rows = new List<string>();
                while (reader.Read())
                    rows.Add(table + ": " + string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i) is byte[] b ? Convert.ToHexString(b) : reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
                rows.Sort(StringComparer.Ordinal);
                lines.AddRange(rows);
            }
        }
        if (Directory.Exists(dataDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(dataDirectory, file);
                if (relative.StartsWith("kernel.db", StringComparison.Ordinal)) continue;
                lines.Add($"file: {relative} {new FileInfo(file).Length}");
            }
        }
        return string.Join("\n", lines);
    }

    /// <summary>The store-wide configuration change sequence (design.md "Configuration").</summary>
    public static long ChangeSequence(string dataDirectory)
    {
        using var connection = Open(Path.Combine(dataDirectory, "kernel.db"));
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM change_sequence WHERE id = 1";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Open(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = database,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }
}
