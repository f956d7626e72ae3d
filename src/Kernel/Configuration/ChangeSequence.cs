using Dapper;
using Microsoft.Data.Sqlite;

namespace Kernel.Configuration;

/// <summary>
/// The store-wide change sequence (design.md "Configuration"): bumped inside the writer's transaction, so a change
/// and its sequence number commit together and a poller in another process never sees one without the other.
/// </summary>
internal static class ChangeSequence
{
    /// <summary>How many change records are kept for a watcher to name what changed.</summary>
    public const int RetainedChanges = 1000;

    private const string BumpSql = "UPDATE change_sequence SET value = value + 1 WHERE id = 1 RETURNING value";
    private const string RecordSql = "INSERT INTO config_changes (sequence, name) VALUES (@sequence, @name)";
    private const string TrimSql = "DELETE FROM config_changes WHERE sequence <= @oldest";
    private const string CurrentSql = "SELECT value FROM change_sequence WHERE id = 1";
    private const string ChangesSql = "SELECT sequence, name FROM config_changes WHERE sequence > @after ORDER BY sequence";

    /// <summary>Bumps the sequence and records what changed (a document's name, or null for settings/domains), in the writer's transaction.</summary>
    public static async Task<long> BumpAsync(SqliteConnection connection, SqliteTransaction transaction, string? name, CancellationToken cancellationToken)
    {
        var sequence = await connection.ExecuteScalarAsync<long>(new CommandDefinition(BumpSql, transaction: transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(RecordSql, new { sequence, name }, transaction, cancellationToken: cancellationToken));
        if (sequence % 100 == 0)
            await connection.ExecuteAsync(new CommandDefinition(TrimSql, new { oldest = sequence - RetainedChanges }, transaction, cancellationToken: cancellationToken));
        return sequence;
    }

    public static async Task<long> CurrentAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(CurrentSql, transaction: transaction, cancellationToken: cancellationToken));

    /// <summary>The changes after <paramref name="after"/>; <c>Complete</c> is false when older records were trimmed.</summary>
    public static async Task<(IReadOnlyList<(long Sequence, string? Name)> Changes, bool Complete)> SinceAsync(
        SqliteConnection connection, SqliteTransaction? transaction, long after, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long, string?)>(
            new CommandDefinition(ChangesSql, new { after }, transaction, cancellationToken: cancellationToken))).ToList();
        var complete = rows.Count > 0 && rows[0].Item1 == after + 1;
        return (rows, complete);
    }
}
