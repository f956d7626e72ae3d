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

    private readonly List<string> _seen = new(4);

    /// <summary>§5.3: false when this address was already met in this routing (at most ten, so a list beats a set).</summary>
    public bool FirstVisit(string address)
    {
        foreach (var seen in _seen)
        {
            if (seen.Equals(address, StringComparison.OrdinalIgnoreCase)) return false;
        }
        _seen.Add(address);
        return true;
    }

    public List<RouteTraceStep>? Trace { get; } = request.WithTrace ? [] : null;

    /// <summary>Callers check this first, so an untraced routing never builds the step texts.</summary>
    public bool Tracing => Trace is not null;

    private List<RouterRecord>? _candidates;

    public List<RouterRecord> Candidates => _candidates ??= [];

    public void Step(string step, string? record, string before, string after, string? grant = null) =>
        Trace?.Add(new RouteTraceStep(step, record, Show(before), Show(after), grant));

    public void Grant(string? grant)
    {
        if (grant == "Relay") RelayGrant = true;
        else if (grant == "RelayAll") RelayAllGrant = true;
    }

    public static string Show(string? text) => text is null ? "" : text.Length <= 256 ? text : text[..256] + "…";
}
