using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Kernel.Storage;

/// <summary>
/// Statements prepared once per connection: each open <see cref="SqliteConnection"/> keeps one
/// <see cref="SqliteCommand"/> per SQL text, and Microsoft.Data.Sqlite keeps a command's native statements prepared
/// between executions (reset, parameters rebound). Dapper makes a new command per call, so SQLite parses the text
/// every time (≈ 20 % of an IMAP APPEND's CPU, issues 10 and 11). Pays off on connections that live long: the ones
/// <see cref="SqliteDatabase.RentAsync"/> lends and takes back; on a connection that is closed after one use the
/// commands die with it.
/// The calls mirror Dapper's (an object whose public properties are the parameters, rows mapped by Dapper's row
/// parser) so a hot statement moves over by its call alone. A cached command belongs to its connection, and a
/// connection is used by one caller at a time, so the cache needs no lock. Results are read to the end before a call
/// returns: the same statement may run again inside the caller's loop.
/// </summary>
internal static class PreparedCommands
{
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Caches = new();

    /// <summary>The connection's command for <paramref name="sql"/> (prepared at its first execution), bound to <paramref name="transaction"/>, parameters cleared.</summary>
    public static SqliteCommand Prepared(this SqliteConnection connection, string sql, SqliteTransaction? transaction)
    {
        var commands = Caches.GetValue(connection, _ => new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            commands[sql] = command;
        }
        // A pooled connection is used by one transaction after another: the command follows the current one.
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Commands cached on <paramref name="connection"/> (a test checks that a statement is prepared once).</summary>
    internal static int CachedCount(SqliteConnection connection) => Caches.TryGetValue(connection, out var commands) ? commands.Count : 0;

    /// <summary>Disposes the cached commands (their native statements are finalized) before the connection closes.</summary>
    public static void Forget(SqliteConnection connection)
    {
        if (!Caches.TryGetValue(connection, out var commands)) return;
        foreach (var command in commands.Values) command.Dispose();
        Caches.Remove(connection);
    }

    public static Task<int> ExecutePreparedAsync(this SqliteConnection connection, string sql, object? param = null, SqliteTransaction? transaction = null) =>
        Task.FromResult(Command(connection, sql, param, transaction).ExecuteNonQuery());

    public static Task<T?> ExecuteScalarPreparedAsync<T>(this SqliteConnection connection, string sql, object? param = null, SqliteTransaction? transaction = null)
    {
        var value = Command(connection, sql, param, transaction).ExecuteScalar();
        return Task.FromResult(value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T)));
    }

    public static Task<List<T>> QueryPreparedAsync<T>(this SqliteConnection connection, string sql, object? param = null, SqliteTransaction? transaction = null)
    {
        using var reader = Command(connection, sql, param, transaction).ExecuteReader();
        var rows = new List<T>();
        if (!reader.Read()) return Task.FromResult(rows);
        var parse = reader.GetRowParser(typeof(T));
        do rows.Add((T)parse(reader));
        while (reader.Read());
        return Task.FromResult(rows);
    }

    public static Task<T?> QuerySingleOrDefaultPreparedAsync<T>(this SqliteConnection connection, string sql, object? param = null, SqliteTransaction? transaction = null)
    {
        using var reader = Command(connection, sql, param, transaction).ExecuteReader();
        if (!reader.Read()) return Task.FromResult<T?>(default);
        // The untyped parser: Dapper's typed one cannot be cast for a scalar such as string.
        var row = (T)reader.GetRowParser(typeof(T))(reader);
        if (reader.Read()) throw new InvalidOperationException("Sequence contains more than one element");
        return Task.FromResult<T?>(row);
    }

    public static async Task<T> QuerySinglePreparedAsync<T>(this SqliteConnection connection, string sql, object? param = null, SqliteTransaction? transaction = null) =>
        await QuerySingleOrDefaultPreparedAsync<T>(connection, sql, param, transaction) ?? throw new InvalidOperationException("Sequence contains no elements");

    private static SqliteCommand Command(SqliteConnection connection, string sql, object? param, SqliteTransaction? transaction)
    {
        var command = connection.Prepared(sql, transaction);
        if (param is not null) Bind(command, param);
        return command;
    }

    /// <summary>Every public property of <paramref name="param"/> as a parameter of its name (SQLite ignores the ones the statement does not use).</summary>
    private static void Bind(DbCommand command, object param)
    {
        foreach (var property in Properties.GetOrAdd(param.GetType(), static type => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)))
        {
            var value = property.GetValue(param);
            // As Dapper passes them: an enum as its number, null as NULL.
            if (value is Enum e) value = Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture);
            var parameter = command.CreateParameter();
            parameter.ParameterName = property.Name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();
}
