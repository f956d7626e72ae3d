namespace Router;

/// <summary>What one routing reads: the table and the relay settings, swapped together as one reference.</summary>
internal sealed record RouterSnapshot(RouterTable Table, RelaySettings Relay)
{
    public static RouterSnapshot Empty { get; } = new(RouterTable.Empty, RelaySettings.Default);
}
