using Dapper;
using Kernel.Storage;

namespace Kernel.Plugins;

/// <summary>
/// The running server's plugin states in table <c>plugin_states</c> (migration 006), so that <c>kernel plugins list</c>
/// in another process shows what the server sees, including failures only a start reveals. All SQL for it is here.
/// </summary>
public sealed class PluginStateTable(SqliteDatabase database)
{
    /// <summary>Replaces every row with the server's current view, in one transaction.</summary>
    public void Replace(IReadOnlyList<PluginStatus> states)
    {
        using var connection = database.Open();
        using var tx = connection.BeginTransaction();
        connection.Execute("DELETE FROM plugin_states", transaction: tx);
        var updated = DateTimeOffset.UtcNow.ToString("O");
        foreach (var s in states)
        {
            connection.Execute(
                "INSERT INTO plugin_states (name, state, version, sdk_version, reason, updated) VALUES (@Name, @State, @Version, @SdkVersion, @Reason, @updated)",
                new { s.Name, State = s.StateText, s.Version, s.SdkVersion, s.Reason, updated }, tx);
        }
        tx.Commit();
    }

    /// <summary>The last states a server recorded (empty when none ever ran on this data folder).</summary>
    public IReadOnlyList<PluginStatus> Read()
    {
        using var connection = database.Open();
        return connection.Query<(string Name, string State, string? Version, string? SdkVersion, string? Reason)>(
                "SELECT name, state, version, sdk_version, reason FROM plugin_states ORDER BY name")
            .Select(r => new PluginStatus(r.Name, Enum.TryParse<PluginState>(r.State, ignoreCase: true, out var state) ? state : PluginState.Failed, r.Version, r.SdkVersion, r.Reason))
            .ToArray();
    }
}
