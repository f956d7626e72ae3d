namespace Kernel.Abstractions;

/// <summary>
/// What the rules decided (rules.md §11). <see cref="RejectText"/> set: refuse (server-wide: nothing stored, 554 5.7.1).
/// <see cref="DefaultDelivery"/> false with nothing else: discard. The kernel performs stores, sends, header edits and replies.
/// </summary>
public sealed record RuleOutcome(
    string? RejectText,
    bool DefaultDelivery,
    IReadOnlyList<StoreRequest> Stores,
    IReadOnlyList<OutboundCopy> Sends,
    IReadOnlyList<HeaderEdit> HeaderEdits,
    IReadOnlyList<string> AddFlags,
    IReadOnlyList<ReplyRequest> Replies,
    IReadOnlyList<string> Trace)
{
    /// <summary>No rule fired: deliver as usual.</summary>
    public static RuleOutcome Continue { get; } = new(null, true, [], [], [], [], [], []);
}
