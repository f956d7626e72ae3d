namespace Kernel.Abstractions;

/// <summary>
/// What one <see cref="LocalDomainRouting"/> step decided: a final <see cref="Result"/>, or the <see cref="Next"/>
/// address for a new pass; with the <see cref="Trace"/> step to record (its <see cref="RouteTraceStep.Grant"/> is the
/// relay grant the step carries, "Relay" for a forwarder).
/// </summary>
public sealed class LocalRouteStep
{
    private LocalRouteStep(RouteResult? result, RoutingAddress? next, RouteTraceStep? trace, bool isUnknownName)
    {
        Result = result;
        Next = next;
        Trace = trace;
        IsUnknownName = isUnknownName;
    }

    /// <summary>The final result; null when <see cref="Next"/> is set.</summary>
    public RouteResult? Result { get; }

    /// <summary>The address for a new pass (percent unwrap, postmaster, forwarder); null when <see cref="Result"/> is set.</summary>
    public RoutingAddress? Next { get; }

    /// <summary>The step for a routing trace, or null (an unknown name, a refusal without a lookup to show).</summary>
    public RouteTraceStep? Trace { get; }

    /// <summary>
    /// No object has this name: <see cref="Result"/> is the 5.1.1 "unknown user" refusal, which a router with a Mail to
    /// Unknown setting (router.md §8) may replace for mail.
    /// </summary>
    public bool IsUnknownName { get; }

    internal static LocalRouteStep Final(RouteResult result, RouteTraceStep? trace = null) => new(result ?? throw new ArgumentNullException(nameof(result)), null, trace, false);

    internal static LocalRouteStep Continue(RoutingAddress next, RouteTraceStep trace) => new(null, next ?? throw new ArgumentNullException(nameof(next)), trace, false);

    internal static LocalRouteStep Unknown(RouteResult.Reject refusal) => new(refusal ?? throw new ArgumentNullException(nameof(refusal)), null, null, true);
}
