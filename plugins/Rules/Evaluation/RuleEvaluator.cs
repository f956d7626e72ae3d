using System.Globalization;
using System.Text;
using Kernel.Abstractions;

namespace Rules;

/// <summary>
/// Runs a compiled, ordered list of rules over one message (rules.md §3, §4) and turns the actions into a
/// <see cref="RuleOutcome"/> the kernel carries out (§6). Pure apart from <c>Remember 'From' in</c>, which writes the
/// account's list through the environment.
/// </summary>
internal sealed class RuleEvaluator(IRuleEnvironment environment)
{
    /// <param name="account">The recipient account at delivery; null at server scope.</param>
    public async Task<RuleOutcome> EvaluateAsync(IReadOnlyList<CompiledRule> rules, RuleInput input, AccountAddress? account, CancellationToken cancellationToken)
    {
        var facts = new MessageFacts(input);
        var run = new OutcomeBuilder(account);
        // Only the rules the index names can match; they are visited in the set's order (§3.1).
        var candidates = (rules as CompiledRuleSet)?.Index.Candidates(facts);
        var edits = facts.Edits;
        for (var position = 0; position < rules.Count; position++)
        {
            if (candidates is not null)
            {
                // §6 Add Header / Tag Subject: later rules see the edited header, which the index did not; test them all.
                if (facts.Edits != edits) candidates = null;
                else if ((position = RuleIndex.Next(candidates, position)) < 0) break;
            }
            var rule = rules[position];
            cancellationToken.ThrowIfCancellationRequested();
            if (!await MatchesAsync(rule, facts, account, cancellationToken)) continue;
            run.Trace.Add($"rule '{rule.Rule.Name}' ({Vocabulary.ScopeName(rule.Scope)}, priority {rule.Rule.Priority.ToString(CultureInfo.InvariantCulture)}) matched");
            var stop = false;
            foreach (var (kind, parameter) in rule.Actions)
            {
                switch (kind)
                {
                    case ActionKind.RejectWith:
                        // §6: Reject ends processing; nothing this run planned is delivered or stored.
                        var text = RejectText(parameter!);
                        run.Trace.Add($"  Reject with \"{text}\"");
                        return new RuleOutcome(text, false, [], [], [], [], [], run.Trace);
                    case ActionKind.StopProcessing:
                        run.Trace.Add("  Stop Processing");
                        stop = true;
                        break;
                    default:
                        await ApplyAsync(kind, parameter, facts, run, rule, account, cancellationToken);
                        break;
                }
            }
            if (stop) break;
        }
        return run.Build();
    }

    private ValueTask<bool> MatchesAsync(CompiledRule rule, MessageFacts facts, AccountAddress? account, CancellationToken cancellationToken)
    {
        // §3.1: AND, in the order written, stopping at the first false one. Most conditions read only the message and
        // are tested synchronously (a set of 1,000 rules per message stays cheap); the rest go to the environment.
        var conditions = rule.Conditions;
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            if (c.NeedsEnvironment) return MatchesFromAsync(rule, i, facts, account, cancellationToken);
            if (!TestMessage(c, c.Matchers, facts)) return ValueTask.FromResult(false);
        }
        return ValueTask.FromResult(true);
    }

    private async ValueTask<bool> MatchesFromAsync(CompiledRule rule, int start, MessageFacts facts, AccountAddress? account, CancellationToken cancellationToken)
    {
        for (var i = start; i < rule.Conditions.Count; i++)
        {
            if (!await TestAsync(rule.Conditions[i], facts, account, cancellationToken)) return false;
        }
        return true;
    }

    private async Task<bool> TestAsync(CompiledCondition c, MessageFacts facts, AccountAddress? account, CancellationToken cancellationToken)
    {
        switch (c.Kind)
        {
            case DataKind.TimeOfDay:
            {
                var now = (await environment.NowAsync(account, cancellationToken)).TimeOfDay;
                return c.Operation == Vocabulary.GreaterThan ? now > c.Time : now < c.Time;
            }
            case DataKind.CurrentDate:
            {
                var today = DateOnly.FromDateTime((await environment.NowAsync(account, cancellationToken)).DateTime);
                return c.Operation switch { Vocabulary.GreaterThan => today > c.Date, Vocabulary.LessThan => today < c.Date, _ => today == c.Date };
            }
            case DataKind.CurrentDay:
            {
                var day = (await environment.NowAsync(account, cancellationToken)).DayOfWeek;
                return c.Days.Contains(day) != c.Negative;
            }
            case DataKind.ExistingMailbox:
                return account is not null && await environment.MailboxExistsAsync(account, c.Pictures[0], cancellationToken) != c.Negative;
        }

        var matchers = c.HasStoredLists ? PictureMatcher.Create(await ExpandListsAsync(c.Pictures, account, cancellationToken)) : c.Matchers;
        if (c.Kind == DataKind.Preference)
            return (account is not null && await environment.PreferenceAsync(account, c.FieldName!, cancellationToken) is { } value
                && PictureMatcher.MatchesAny(matchers, AsciiFold.Fold(value))) != c.Negative;
        return TestMessage(c, matchers, facts);
    }

    /// <summary>The conditions that read only the message (§4: plain, Any and Each forms), over folded values.</summary>
    private static bool TestMessage(CompiledCondition c, PictureMatcher[] matchers, MessageFacts facts)
    {
        switch (c.Kind)
        {
            case DataKind.HumanGenerated:
                return facts.HumanGenerated;
            case DataKind.MessageSize:
                return c.Operation == Vocabulary.GreaterThan ? facts.Size > c.Number : facts.Size < c.Number;
            case DataKind.EachToCc or DataKind.EachRecipient:
            {
                // §4: "Each" holds when every element satisfies the operation; no elements → false.
                var values = facts.Folded(c.Kind, c.FieldKey);
                foreach (var value in values)
                {
                    if (PictureMatcher.MatchesAny(matchers, value) == c.Negative) return false;
                }
                return values.Length > 0;
            }
            case DataKind.AnyToCc or DataKind.AnyRecipient:
            {
                // §4: "Any" holds when at least one element satisfies the operation; no elements → false.
                foreach (var value in facts.Folded(c.Kind, c.FieldKey))
                {
                    if (PictureMatcher.MatchesAny(matchers, value) != c.Negative) return true;
                }
                return false;
            }
        }

        // Plain data: "is"/"in" hold when some value matches, "is not"/"not in" when none does (absent data: no values, §4).
        var some = false;
        foreach (var value in facts.Folded(c.Kind, c.FieldKey))
        {
            if (some = PictureMatcher.MatchesAny(matchers, value)) break;
        }
        return some != c.Negative;
    }

    /// <summary>§4: a list item <c>#Name</c> stands for the account's remembered address list of that name.</summary>
    private async Task<IReadOnlyList<string>> ExpandListsAsync(IReadOnlyList<string> pictures, AccountAddress? account, CancellationToken cancellationToken)
    {
        if (account is null || !pictures.Any(p => p.StartsWith('#'))) return pictures;
        var expanded = new List<string>();
        foreach (var p in pictures)
        {
            if (p.StartsWith('#')) expanded.AddRange(await environment.RememberedAsync(account, p[1..], cancellationToken));
            else expanded.Add(p);
        }
        return expanded;
    }

    private async Task ApplyAsync(ActionKind kind, string? parameter, MessageFacts facts, OutcomeBuilder run, CompiledRule rule, AccountAddress? account, CancellationToken cancellationToken)
    {
        var p = parameter ?? "";
        var scope = rule.Scope;
        switch (kind)
        {
            case ActionKind.StoreIn:
                run.Stores.Add(new StoreRequest(p) { RuleName = rule.Rule.Name }); // §6.1: a failed store is logged with the rule name
                // §6: at delivery "Store in" replaces INBOX; at server scope it is a copy and delivery goes on.
                if (scope != RuleScope.Server) run.DefaultDelivery = false;
                run.Trace.Add($"  Store in \"{p}\"");
                break;
            case ActionKind.Mark:
                foreach (var flag in ParameterSyntax.SplitList(p)) run.Flags.Add(flag);
                run.Trace.Add($"  Mark {p}");
                break;
            case ActionKind.AddHeader:
                foreach (var line in p.Split('\n'))
                {
                    if (ParameterSyntax.SplitField(line) is not { } field) continue;
                    var value = MessageFacts.Encode(field.Value);
                    run.Edits.Add(new HeaderEdit(field.Name, value));
                    facts.Add(field.Name, value);
                    run.Trace.Add($"  Add Header {field.Name}: {field.Value}");
                }
                break;
            case ActionKind.TagSubject:
            {
                var subject = facts.Decoded("Subject").FirstOrDefault() ?? "";
                if (subject.Contains(p, StringComparison.OrdinalIgnoreCase))
                {
                    run.Trace.Add($"  Tag Subject \"{p}\": already tagged");
                    break;
                }
                // The raw value keeps its encoded words; the tag goes in front of it (RFC 2047 §5 allows the mix).
                var tagged = MessageFacts.Encode(p) + " " + (facts.First("Subject") ?? "");
                run.Edits.RemoveAll(e => e.Name.Equals("Subject", StringComparison.OrdinalIgnoreCase));
                run.Edits.Add(new HeaderEdit("Subject", null));
                run.Edits.Add(new HeaderEdit("Subject", tagged.TrimEnd()));
                facts.Replace("Subject", tagged.TrimEnd());
                run.Trace.Add($"  Tag Subject \"{p}\"");
                break;
            }
            case ActionKind.Discard:
                run.DefaultDelivery = false;
                run.Trace.Add("  Discard");
                break;
            case ActionKind.RememberFrom:
                if (account is not null && facts.Addresses("From").FirstOrDefault() is { Length: > 0 } from)
                {
                    await environment.RememberAsync(account, p, from, cancellationToken);
                    run.Trace.Add($"  Remember 'From' in {p}: {from}");
                }
                break;
            case ActionKind.MirrorTo or ActionKind.RedirectTo or ActionKind.ForwardTo:
            {
                var mode = kind switch { ActionKind.MirrorTo => OutboundCopyMode.Mirror, ActionKind.RedirectTo => OutboundCopyMode.Redirect, _ => OutboundCopyMode.Forward };
                foreach (var address in ParameterSyntax.AddressList(p))
                {
                    // §6.1: never to the recipient account itself (the kernel checks it too).
                    if (account is not null && address.Equals(account.ToString(), StringComparison.OrdinalIgnoreCase))
                    {
                        run.Trace.Add($"  {mode} to {address}: ignored, it is the account itself");
                        continue;
                    }
                    if (run.Sends.Any(s => s.Address.Equals(address, StringComparison.OrdinalIgnoreCase) && s.Mode == mode)) continue;
                    run.Sends.Add(new OutboundCopy(address, mode));
                    run.Trace.Add($"  {mode} to {address}");
                }
                break;
            }
            case ActionKind.ReplyWith or ActionKind.ReplyToAllWith:
                Reply(kind == ActionKind.ReplyToAllWith, p, facts, run, account);
                break;
        }
    }

    private static void Reply(bool all, string text, MessageFacts facts, OutcomeBuilder run, AccountAddress? account)
    {
        // RFC 3834 §2 / rules.md §5.1, §6.1: never answer a bounce, an automatic reply, a list or bulk message.
        if (!facts.HumanGenerated)
        {
            run.Trace.Add("  Reply: not sent, the message is not human generated (RFC 3834)");
            return;
        }
        var to = facts.Addresses("Reply-To").FirstOrDefault() ?? facts.Addresses("From").FirstOrDefault();
        if (account is null || string.IsNullOrEmpty(to))
        {
            run.Trace.Add("  Reply: not sent, no Reply-To or From address");
            return;
        }
        if (run.Replies.Any(r => r.To.Equals(to, StringComparison.OrdinalIgnoreCase))) return; // one reply per run to one sender
        run.Replies.Add(new ReplyRequest(to, account.ToString(), facts.Decoded("Subject").FirstOrDefault() ?? "", text, all));
        run.Trace.Add($"  Reply{(all ? " to All" : "")} to {to}");
    }

    /// <summary>§6.1: printable ASCII, at most 200 characters (longer is cut).</summary>
    private static string RejectText(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text.Replace('\n', ' '))
        {
            if (sb.Length == RuleLimits.MaxRejectText) break;
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        return sb.ToString().Trim();
    }

    private sealed class OutcomeBuilder(AccountAddress? account)
    {
        public bool DefaultDelivery { get; set; } = true;
        public List<StoreRequest> Stores { get; } = [];
        public List<OutboundCopy> Sends { get; } = [];
        public List<HeaderEdit> Edits { get; } = [];
        public List<string> Flags { get; } = [];
        public List<ReplyRequest> Replies { get; } = [];
        public List<string> Trace { get; } = [];

        public AccountAddress? Account => account;

        public RuleOutcome Build()
        {
            if (Trace.Count == 0) return RuleOutcome.Continue;
            return new RuleOutcome(null, DefaultDelivery, Stores.DistinctBy(s => s.Mailbox, StringComparer.OrdinalIgnoreCase).ToList(), Sends, Edits,
                Flags.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), Replies, Trace);
        }
    }
}
