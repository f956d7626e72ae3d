using Dapper;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Plugins;

/// <summary>
/// The running server's plugin states in table <c>plugin_states</c> (migration 006), so that <c>kernel plugins list</c>
/// in another process shows what the server sees, including failures only a start reveals. All SQL for it is here;
/// it is asynchronous Dapper like the account and mailbox stores (no thread blocked on the database).
/// </summary>
public sealed class PluginStateTable(SqliteDatabase database)
{
    /// <summary>Replaces every row with the server's current view, in one transaction.</summary>
    public async Task ReplaceAsync(IReadOnlyList<PluginStatus> states, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM plugin_states", transaction: tx, cancellationToken: cancellationToken));
        var updated = DateTimeOffset.UtcNow.ToString("O");
        foreach (var s in states)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO plugin_states (name, state, version, sdk_version, reason, updated) VALUES (@Name, @State, @Version, @SdkVersion, @Reason, @updated)",
                new { s.Name, State = s.StateText, s.Version, s.SdkVersion, s.Reason, updated }, tx, cancellationToken: cancellationToken));
        }
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The last states a server recorded (empty when none ever ran on this data folder).</summary>
    public async Task<IReadOnlyList<PluginStatus>> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, string State, string? Version, string? SdkVersion, string? Reason)>(new CommandDefinition(
            "SELECT name, state, version, sdk_version, reason FROM plugin_states ORDER BY name", cancellationToken: cancellationToken));
        return rows
            .Select(r => new PluginStatus(r.Name, Enum.TryParse<PluginState>(r.State, ignoreCase: true, out var state) ? state : PluginState.Failed, r.Version, r.SdkVersion, r.Reason))
            .ToArray();
    }
}
