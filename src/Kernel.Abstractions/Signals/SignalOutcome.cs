namespace Kernel.Abstractions;

/// <summary>The final response code and reason phrase.</summary>
public sealed record SignalOutcome(int StatusCode, string Reason);
