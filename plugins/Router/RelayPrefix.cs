namespace Router;

/// <summary>A record's relay prefix (router.md §4.2): who may use it and what it grants.</summary>
public enum RelayPrefix
{
    None,
    Relay,
    NoRelay,
    RelayAll,
}
