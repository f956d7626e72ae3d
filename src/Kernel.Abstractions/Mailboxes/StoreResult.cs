namespace Kernel.Abstractions;

/// <summary>The messages as they are after a STORE, and the UIDs left alone because of UNCHANGEDSINCE.</summary>
public sealed record StoreResult(IReadOnlyList<MessageSummary> Updated, IReadOnlyList<uint> Modified);
