namespace Kernel.Abstractions;

/// <summary>Records with the answer's status: a name that does not exist and a temporary failure must be told apart (RFC 5321 §5.1).</summary>
public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records);
