namespace Kernel.Connections;

/// <summary>Which limit refused a connection (<see cref="None"/>: it was admitted).</summary>
internal enum ConnectionLimit
{
    None,
    Total,
    PerAddress,
}
