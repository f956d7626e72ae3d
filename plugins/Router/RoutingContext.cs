using Kernel.Abstractions;

namespace Router;

/// <summary>The mutable state of one routing: grants met, addresses seen, the trace, the cached Main Domain.</summary>
internal sealed class RoutingContext(RouteRequest request, RouterSnapshot snapshot, bool trusted)
{
    public RouteRequest Request { get; } = request;

    public RouteKind Kind => Request.Kind;

    public RouterSnapshot Snapshot { get; } = snapshot;

    public bool Trusted { get; } = trusted;

    public bool IsSimple { get; set; }

    public bool RelayGrant { get; set; }

    public bool RelayAllGrant { get; set; }

    public string? MainDomain { get; set; }

    public HashSet<string> Seen { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<RouteTraceStep>? Trace { get; } = request.WithTrace ? [] : null;

    public List<RouterRecord> Candidates { get; } = [];

    public void Step(string step, string? record, string before, string after, string? grant = null) =>
        Trace?.Add(new RouteTraceStep(step, record, Show(before), Show(after), grant));

    public void Grant(string? grant)
    {
        if (grant == "Relay") RelayGrant = true;
        else if (grant == "RelayAll") RelayAllGrant = true;
    }

    public static string Show(string? text) => text is null ? "" : text.Length <= 256 ? text : text[..256] + "…";
}
