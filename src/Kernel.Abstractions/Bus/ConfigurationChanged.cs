namespace Kernel.Abstractions;

/// <summary>A configuration document or setting changed (possibly from another process). <see cref="Name"/>: the document, or null for "something; re-read".</summary>
public sealed record ConfigurationChanged(string? Name, long Sequence) : KernelEvent;
