namespace Kernel.Abstractions;

/// <summary>RFC 4315 APPENDUID data.</summary>
public sealed record AppendResult(uint UidValidity, uint Uid);
