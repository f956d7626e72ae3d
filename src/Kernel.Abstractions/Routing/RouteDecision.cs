namespace Kernel.Abstractions;

/// <summary>The Router's answer: the result, the relay verdict for the request's source, and the trace (empty unless asked for).</summary>
public sealed record RouteDecision(RouteResult Result, RelayVerdict Relay, IReadOnlyList<RouteTraceStep> Trace);
