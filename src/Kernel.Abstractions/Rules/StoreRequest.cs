namespace Kernel.Abstractions;

/// <summary>"Store in" a mailbox (own or foreign name), checked against the rule owner's rights.</summary>
public sealed record StoreRequest(string Mailbox, MessageFlags Flags = MessageFlags.None)
{
    /// <summary>
    /// The rule that asked for the store, when the engine says (rules.md §6.1: a failed store is logged with the rule
    /// name). The kernel executes server-wide stores long after evaluation, so only the request can carry it.
    /// </summary>
    public string? RuleName { get; init; }
}
