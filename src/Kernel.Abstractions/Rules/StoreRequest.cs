namespace Kernel.Abstractions;

/// <summary>"Store in" a mailbox (own or foreign name), checked against the rule owner's rights.</summary>
public sealed record StoreRequest(string Mailbox, MessageFlags Flags = MessageFlags.None);
