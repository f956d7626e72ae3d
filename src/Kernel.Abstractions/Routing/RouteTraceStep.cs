namespace Kernel.Abstractions;

/// <summary>One step of a routing: what was looked up, the record that fired (if any), the address before and after, and a relay grant.</summary>
public sealed record RouteTraceStep(string Step, string? Record, string Before, string After, string? Grant = null);
