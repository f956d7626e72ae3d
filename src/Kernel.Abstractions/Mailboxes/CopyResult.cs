namespace Kernel.Abstractions;

/// <summary>RFC 4315 COPYUID data: source UIDs and the UIDs they got, pairwise.</summary>
public sealed record CopyResult(uint UidValidity, IReadOnlyList<uint> SourceUids, IReadOnlyList<uint> TargetUids);
