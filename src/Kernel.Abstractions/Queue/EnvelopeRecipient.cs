namespace Kernel.Abstractions;

/// <summary>One recipient: the address as given, RFC 3461's ORCPT and NOTIFY.</summary>
public sealed record EnvelopeRecipient(string Address, string? OriginalRecipient = null, DsnNotify Notify = DsnNotify.Default);
