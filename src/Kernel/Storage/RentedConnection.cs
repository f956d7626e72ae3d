using Microsoft.Data.Sqlite;

namespace Kernel.Storage;

/// <summary>A connection lent by <see cref="SqliteDatabase.RentAsync"/>: disposing it gives it back, open, with its prepared commands.</summary>
public readonly struct RentedConnection(SqliteDatabase database, SqliteConnection connection) : IDisposable, IAsyncDisposable
{
    public SqliteConnection Connection { get; } = connection;

    public void Dispose() => database.Return(Connection);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
