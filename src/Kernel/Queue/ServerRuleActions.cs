using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>
/// What the server-wide rules asked for beyond "deliver" (rules.md §6): copies into mailboxes and copies sent on.
/// Stored with the message so a worker carries them out after the commit, exactly as durable as the message.
/// </summary>
internal sealed record ServerRuleActions(IReadOnlyList<StoreRequest> Stores, IReadOnlyList<OutboundCopy> Sends, IReadOnlyList<string> Flags)
{
    public bool IsEmpty => Stores.Count == 0 && Sends.Count == 0;
}
