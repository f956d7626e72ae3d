namespace Kernel.Abstractions;

/// <summary>Which lookup an address is for (router.md §1).</summary>
public enum RouteKind
{
    Mail,
    Signal,
    Access,
    Http,
}
