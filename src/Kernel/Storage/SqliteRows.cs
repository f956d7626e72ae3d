using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Kernel.Storage;

/// <summary>
/// Steps a prepared statement and reads its columns by calling SQLite's C functions on the raw statement pointer —
/// for the loops that read a row per message of a whole mailbox (IMAP SELECT and FETCH 1:*, issue 11). Through
/// SQLitePCL each column read takes and releases the statement's <see cref="SafeHandle"/> (≈ 13 % of a FETCH 1:* FLAGS
/// in the profile); here the handle is held once for the whole loop. Same library (e_sqlite3) and statement: only
/// the calls are direct. The column reads do no I/O, so they skip the GC transition.
/// </summary>
internal sealed partial class SqliteRows : IDisposable
{
    private const string Library = "e_sqlite3";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly nint _handle;
    private bool _released;

    /// <summary>Prepares <paramref name="sql"/> on <paramref name="connection"/> (its parameters bound with <see cref="Bind"/> before the first <see cref="Step"/>).</summary>
    public SqliteRows(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        if (rc != raw.SQLITE_OK) throw Error(rc);
        var added = false;
        _statement.DangerousAddRef(ref added);
        _released = !added;
        _handle = _statement.DangerousGetHandle();
    }

    /// <summary>Binds a named parameter (<c>@name</c>) when the statement has it.</summary>
    public void Bind(string name, long value)
    {
        var index = raw.sqlite3_bind_parameter_index(_statement, name);
        if (index > 0) raw.sqlite3_bind_int64(_statement, index, value);
    }

    /// <summary>The next row: true while there is one; an error of SQLite's as a <see cref="SqliteException"/>.</summary>
    public bool Step()
    {
        var rc = sqlite3_step(_handle);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        throw Error(rc);
    }

    public long Int64(int column) => sqlite3_column_int64(_handle, column);

    /// <summary>A text or blob column's bytes, valid until the next <see cref="Step"/>.</summary>
    public unsafe ReadOnlySpan<byte> Bytes(int column)
    {
        var data = sqlite3_column_blob(_handle, column);
        var length = sqlite3_column_bytes(_handle, column);
        return data == 0 || length <= 0 ? default : new ReadOnlySpan<byte>((void*)data, length);
    }

    private SqliteException Error(int rc) => new(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            _statement.DangerousRelease();
        }
        _statement.Dispose();
    }

    [LibraryImport(Library)]
    private static partial int sqlite3_step(nint statement);

    [LibraryImport(Library), SuppressGCTransition]
    private static partial long sqlite3_column_int64(nint statement, int column);

    [LibraryImport(Library), SuppressGCTransition]
    private static partial nint sqlite3_column_blob(nint statement, int column);

    [LibraryImport(Library), SuppressGCTransition]
    private static partial int sqlite3_column_bytes(nint statement, int column);
}
