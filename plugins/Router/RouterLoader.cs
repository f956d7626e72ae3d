using Kernel.Abstractions;

namespace Router;

/// <summary>Builds a <see cref="RouterSnapshot"/> from the stores: the table document and the relay settings.</summary>
internal static class RouterLoader
{
    /// <summary>
    /// The snapshot for the stored table, or (when the stored table has errors) the <paramref name="fallback"/>'s table
    /// with fresh relay settings; <paramref name="parse"/> tells what the stored text gave.
    /// </summary>
    public static async Task<(RouterSnapshot Snapshot, TableParseResult? Parse)> LoadAsync(
        IConfigurationStore documents, IAccountStore accounts, RouterSnapshot fallback, CancellationToken cancellationToken)
    {
        var relay = await RelaySettings.LoadAsync(accounts, cancellationToken);
        var text = await documents.GetAsync(RouterDocument.Name, cancellationToken) ?? "";
        if (text == fallback.Table.Text) return (fallback with { Relay = relay }, null);
        var parse = TableParser.Parse(text);
        return (new RouterSnapshot(parse.Table ?? fallback.Table, relay), parse);
    }
}
