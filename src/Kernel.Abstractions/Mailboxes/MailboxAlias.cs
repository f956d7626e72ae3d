namespace Kernel.Abstractions;

public sealed record MailboxAlias(string Alias, string Target);
