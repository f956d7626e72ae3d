using Microsoft.Data.Sqlite;

namespace Kernel.Testing;

/// <summary>
/// Every body a data folder stores, read the way a test inspects them: the files under <c>bodies/</c> (not the
/// temporary ones) and the small bodies kept inside the database (<c>body_data</c>, kernel migration 015).
/// </summary>
public static class StoredBodies
{
    public static IReadOnlyList<byte[]> ReadAll(string dataDirectory)
    {
        var found = new List<byte[]>();
        var root = Path.Combine(dataDirectory, "bodies");
        if (Directory.Exists(root))
        {
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                if (Path.GetFileName(Path.GetDirectoryName(file)) == "tmp") continue;
                try { found.Add(File.ReadAllBytes(file)); }
                catch (FileNotFoundException) { } // released meanwhile
            }
        }
        var database = Path.Combine(dataDirectory, "kernel.db");
        if (!File.Exists(database)) return found;
        var connectionString = new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM body_data";
        using var reader = command.ExecuteReader();
        while (reader.Read()) found.Add((byte[])reader.GetValue(0));
        return found;
    }
}
