namespace Kernel.Abstractions;

public sealed record SignalRequest(string Method, string RequestUri, string From, string To, IReadOnlyList<KeyValuePair<string, string>> Headers, string? ContentType, ReadOnlyMemory<byte> Body);
