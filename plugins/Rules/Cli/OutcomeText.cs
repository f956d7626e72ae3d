using System.Text;
using Kernel.Abstractions;

namespace Rules;

/// <summary>What <c>kernel rules test</c> prints: the trace of the rules that fired, then what the kernel would do.</summary>
internal static class OutcomeText
{
    public static string Write(RuleOutcome outcome)
    {
        var sb = new StringBuilder();
        if (outcome.Trace.Count == 0) sb.Append("no rule fired\n");
        foreach (var line in outcome.Trace) sb.Append(line).Append('\n');
        if (outcome.RejectText is not null) return sb.Append("outcome: reject 554 5.7.1 ").Append(outcome.RejectText).Append('\n').ToString();
        sb.Append("outcome: ").Append(outcome.DefaultDelivery ? "default delivery" : outcome.Stores.Count > 0 || outcome.Sends.Count > 0 ? "no default delivery" : "discard").Append('\n');
        foreach (var s in outcome.Stores) sb.Append("store: ").Append(s.Mailbox).Append('\n');
        foreach (var s in outcome.Sends) sb.Append(s.Mode.ToString().ToLowerInvariant()).Append(": ").Append(s.Address).Append('\n');
        foreach (var e in outcome.HeaderEdits.Where(e => e.Value is not null)) sb.Append("header: ").Append(e.Name).Append(": ").Append(e.Value).Append('\n');
        if (outcome.AddFlags.Count > 0) sb.Append("flags: ").AppendJoin(", ", outcome.AddFlags).Append('\n');
        foreach (var r in outcome.Replies) sb.Append(r.ReplyAll ? "reply to all: " : "reply: ").Append(r.To).Append('\n');
        return sb.ToString();
    }
}
