using Microsoft.Data.Sqlite;

namespace Kernel.Storage;

/// <summary>
/// The one rule for opening a data folder, for <c>serve</c> and every CLI command alike (issue 8 §1): a folder that
/// holds mail or other data but whose database is missing, empty or unreadable is refused with one line naming the
/// file — never answered with a fresh empty store, which would make the next orphan sweep delete every body. A store
/// is created only in a new or empty folder, and only by a caller that may create one (<see cref="DataFolderAccess"/>).
/// A folder this user cannot write to is refused too, before anything tries to.
/// </summary>
public sealed class DataFolder
{
    public const string DatabaseFileName = "kernel.db";

    /// <summary>
    /// Written beside the database once it holds a store (<see cref="MarkStore"/>): the sign of earlier use that does not
    /// depend on files the database refers to. Small bodies live inside the database (BodyStore), so a folder whose
    /// mail was all small shows no body file once its database is gone — the marker still says a store was here.
    /// </summary>
    public const string StoreMarkerFileName = "kernel.store";

    /// <summary>Sub-folders whose files are data the database refers to (or a plugin's own state).</summary>
    private static readonly string[] DataSubfolders = ["bodies", "files", "plugins"];

    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    private DataFolder(string path, bool createsStore)
    {
        Path = path;
        CreatesStore = createsStore;
    }

    public string Path { get; }

    public string DatabasePath => System.IO.Path.Combine(Path, DatabaseFileName);

    /// <summary>True when the folder holds no store yet: this open creates the database.</summary>
    public bool CreatesStore { get; }

    /// <summary>Validates <paramref name="path"/> and returns it opened; throws <see cref="DataFolderException"/> with one line otherwise.</summary>
    /// <param name="quickCheck">Also run SQLite's <c>quick_check</c> (serve does; it reads the whole file, so a CLI command does not).</param>
    public static DataFolder Open(string path, DataFolderAccess access, bool quickCheck)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new DataFolderException("the data folder is an empty path: give --data DIR");
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full)) throw new DataFolderException($"data folder {full} is a file, not a folder");
        if (!Directory.Exists(full))
        {
            if (FileAncestor(full) is { } file) throw new DataFolderException($"data folder {full} cannot exist: {file} is a file, not a folder");
            if (access == DataFolderAccess.ExistingStore)
                throw new DataFolderException($"data folder {full} does not exist (give --data DIR, or create it with `kernel domain add DOMAIN`)");
            try
            {
                Directory.CreateDirectory(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DataFolderException($"cannot create data folder {full}: {e.Message}");
            }
        }
        ProbeWritable(full);

        var database = System.IO.Path.Combine(full, DatabaseFileName);
        var state = DatabaseState(database);
        if (state is "missing" or "empty")
        {
            if (SignOfUse(full) is { } sign)
            {
                throw new DataFolderException(
                    $"data folder {full} holds data ({sign}) but its database {database} is {state}: restore {DatabaseFileName} from a backup (nothing was changed)");
            }
            if (access == DataFolderAccess.ExistingStore)
                throw new DataFolderException($"data folder {full} holds no store yet ({database} is {state}): create one with `kernel domain add DOMAIN`");
            return new DataFolder(full, createsStore: true);
        }
        if (state is not null) throw Unreadable(database, state);
        ProbeWritableFile(database);
        if (quickCheck) QuickCheck(database);
        return new DataFolder(full, createsStore: false);
    }

    /// <summary>One line for a SQLite error that means the file is damaged (the CLI's commands run without the quick check).</summary>
    public static string? DescribeDamage(SqliteException error, string databasePath) =>
        error.SqliteErrorCode is 11 or 26 // SQLITE_CORRUPT, SQLITE_NOTADB
            ? Unreadable(databasePath, OneLine(error.Message)).Message
            : null;

    private static DataFolderException Unreadable(string database, string why) =>
        new($"database {database} is unreadable ({why}): restore {DatabaseFileName} from a backup (nothing was changed)");

    /// <summary>null when the file looks like a SQLite database; "missing", "empty" or why it is not one otherwise.</summary>
    private static string? DatabaseState(string database)
    {
        if (Directory.Exists(database)) return "a folder, not a file";
        if (!File.Exists(database)) return "missing";
        try
        {
            using var file = new FileStream(database, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length == 0) return "empty";
            var header = new byte[SqliteHeader.Length];
            var read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return read == header.Length && header.AsSpan().SequenceEqual(SqliteHeader) ? null : "not a SQLite database";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "cannot be read: " + OneLine(e.Message);
        }
    }

    private static void QuickCheck(string database)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout=30000;";
            command.ExecuteNonQuery();
            command.CommandText = "PRAGMA quick_check(1);";
            var result = command.ExecuteScalar() as string;
            if (!string.Equals(result, "ok", StringComparison.Ordinal)) throw Unreadable(database, "quick_check: " + OneLine(result ?? "no answer"));
        }
        catch (SqliteException e)
        {
            throw Unreadable(database, OneLine(e.Message));
        }
    }

    /// <summary>
    /// Marks <paramref name="folder"/> as holding a store (once; fsynced with its name): from then on a missing or
    /// empty database there is refused, never replaced by a fresh store.
    /// </summary>
    public static void MarkStore(string folder)
    {
        var marker = System.IO.Path.Combine(folder, StoreMarkerFileName);
        if (File.Exists(marker)) return;
        using (var file = new FileStream(marker, FileMode.Create, FileAccess.Write, FileShare.Read))
        {
            file.Write("This folder holds a Kernel store; its database is kernel.db. Restore it from a backup if it is lost.\n"u8);
            file.Flush(flushToDisk: true);
        }
        DirectorySync.Flush(folder);
    }

    /// <summary>What shows the folder was used before: the store marker, a file under bodies/, files/ or plugins/, or a non-empty write-ahead log.</summary>
    private static string? SignOfUse(string folder)
    {
        if (File.Exists(System.IO.Path.Combine(folder, StoreMarkerFileName))) return StoreMarkerFileName;
        var wal = System.IO.Path.Combine(folder, DatabaseFileName + "-wal");
        if (File.Exists(wal) && new FileInfo(wal).Length > 0) return $"{DatabaseFileName}-wal";
        foreach (var name in DataSubfolders)
        {
            var sub = System.IO.Path.Combine(folder, name);
            if (!Directory.Exists(sub)) continue;
            try
            {
                var count = Directory.EnumerateFiles(sub, "*", SearchOption.AllDirectories).Take(1000).Count();
                if (count > 0) return count >= 1000 ? $"1000+ files under {name}/" : $"{count} file{(count == 1 ? "" : "s")} under {name}/";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"{name}/, which cannot be read";
            }
        }
        return null;
    }

    /// <summary>Creating and removing a file is what every store does first; a folder that refuses it is one line now, not a trace later.</summary>
    private static void ProbeWritable(string folder)
    {
        var probe = System.IO.Path.Combine(folder, $".write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is UnauthorizedAccessException ? "permission denied" : OneLine(e.Message);
            throw new DataFolderException($"data folder {folder} is not writable by this user ({why}): fix its owner or permissions");
        }
    }

    private static void ProbeWritableFile(string database)
    {
        try
        {
            using var file = new FileStream(database, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is UnauthorizedAccessException ? "permission denied" : OneLine(e.Message);
            throw new DataFolderException($"database {database} is not writable by this user ({why}): fix its owner or permissions");
        }
    }

    /// <summary>The nearest existing ancestor when it is a file (<c>/etc/hostname/sub</c>), else null.</summary>
    private static string? FileAncestor(string path)
    {
        for (var dir = System.IO.Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir)) return dir;
            if (Directory.Exists(dir)) return null;
        }
        return null;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
