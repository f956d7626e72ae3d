namespace Router;

/// <summary>A record's kind prefix (router.md §4.1): which lookups see it.</summary>
public enum KindPrefix
{
    None,
    Mail,
    Signal,
    Call,
    Access,
    Http,
}
