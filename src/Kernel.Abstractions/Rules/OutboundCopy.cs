namespace Kernel.Abstractions;

/// <summary>Redirect, Forward or Mirror to an address (rules.md §6).</summary>
public sealed record OutboundCopy(string Address, OutboundCopyMode Mode);
