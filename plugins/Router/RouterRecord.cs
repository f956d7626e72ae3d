namespace Router;

/// <summary>
/// One parsed table line. <see cref="Key"/> is the left side lower-cased without the angle brackets
/// (<c>local@domain</c> for an address-level record, the domain otherwise); <see cref="Star"/> is the index of its one
/// <c>*</c>, or -1. <see cref="Right"/> keeps its original case (a right side may hand a local part on to a remote host).
/// </summary>
internal sealed record RouterRecord(
    int Line,
    string Text,
    KindPrefix Kind,
    RelayPrefix Relay,
    bool AddressLevel,
    string Key,
    int Star,
    string Right)
{
    public bool IsWildcard => Star >= 0;

    public bool IsError => Right.Equals("error", StringComparison.OrdinalIgnoreCase);

    public bool IsNull => Right.Equals("null", StringComparison.OrdinalIgnoreCase);

    public string Prefix => Star < 0 ? Key : Key[..Star];

    public string Suffix => Star < 0 ? "" : Key[(Star + 1)..];

    public string? Grant => Relay switch
    {
        RelayPrefix.Relay => "Relay",
        RelayPrefix.RelayAll => "RelayAll",
        _ => null,
    };
}
