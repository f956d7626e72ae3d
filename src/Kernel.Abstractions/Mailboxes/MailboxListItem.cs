namespace Kernel.Abstractions;

/// <summary>One LIST row: the name as the principal would type it, its attributes, and (for the CLI) its message count.</summary>
public sealed record MailboxListItem(string Name, MailboxAttributes Attributes, SpecialUse SpecialUse, int MessageCount);
