using System.Runtime.CompilerServices;
using System.Composition;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Rules;

/// <summary>
/// The kernel's <see cref="IRuleEngine"/> (rules.md §1, §3): the Server-wide set at submission; at delivery the
/// recipient Domain's and Account's sets merged by priority. It only evaluates; the kernel carries out the outcome.
/// </summary>
[Export(typeof(IRuleEngine))]
public sealed class RulesEngine : IRuleEngine
{
    /// <summary>The kernel writes one per rule-made copy (rules.md §6.1 loop guard): the accounts whose rules sent it on.</summary>
    public const string ViaHeader = "X-Kernel-Rule-Via";

    private readonly RuleSetCache _cache;
    private readonly RuleEvaluator _evaluator;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<IReadOnlyList<CompiledRule>, ConditionalWeakTable<IReadOnlyList<CompiledRule>, IReadOnlyList<CompiledRule>>> _merged = new();

    [ImportingConstructor]
    public RulesEngine(RuleSetCache cache, IAccountStore accounts, IMailboxStore mailboxes, IConfigurationStore documents, ILoggerFactory loggers)
        : this(cache, new StoreEnvironment(accounts, mailboxes, documents, TimeProvider.System, dryRun: false), loggers.CreateLogger("Rules"))
    {
    }

    internal RulesEngine(RuleSetCache cache, IRuleEnvironment environment, ILogger logger)
    {
        _cache = cache;
        _evaluator = new RuleEvaluator(environment);
        _logger = logger;
    }

    public async Task<RuleOutcome> EvaluateServerAsync(RuleInput input, CancellationToken cancellationToken)
    {
        var rules = await _cache.GetAsync(RuleDocuments.Server, RuleScope.Server, cancellationToken);
        return rules.Count == 0 ? RuleOutcome.Continue : await _evaluator.EvaluateAsync(rules, input, null, cancellationToken);
    }

    public async Task<RuleOutcome> EvaluateDeliveryAsync(RuleInput input, AccountAddress recipient, CancellationToken cancellationToken)
    {
        var rules = await DeliveryRulesAsync(recipient, cancellationToken);
        if (rules.Count == 0) return RuleOutcome.Continue;
        var outcome = await _evaluator.EvaluateAsync(rules, input, recipient, cancellationToken);
        return LoopGuard(input, recipient, outcome);
    }

    internal async Task<IReadOnlyList<CompiledRule>> DeliveryRulesAsync(AccountAddress recipient, CancellationToken cancellationToken)
    {
        var domain = await _cache.GetAsync(RuleDocuments.ForDomain(recipient.Domain), RuleScope.Domain, cancellationToken);
        var account = await _cache.GetAsync(RuleDocuments.ForAccount(recipient), RuleScope.Account, cancellationToken);
        if (domain.Count == 0) return account;
        if (account.Count == 0) return domain;
        // The merged list (and its index) is kept while both compiled sets are: a set change makes new instances.
        return _merged.GetOrCreateValue(domain).GetValue(account, a => CompiledRule.Merge(domain, a));
    }

    /// <summary>
    /// rules.md §6.1 and issue 12 "rule loops": a copy that comes back to an account whose rules already sent it on
    /// (a → b → a) is not sent on again. The account kept a copy the first time if its rules keep one now (the same
    /// rules on the same message), so it is not stored twice; if they keep none (Mirror + Discard both ways), it
    /// goes to INBOX so the message is never lost.
    /// </summary>
    internal RuleOutcome LoopGuard(RuleInput input, AccountAddress recipient, RuleOutcome outcome)
    {
        var via = input.Headers.Where(h => h.Key.Trim().Equals(ViaHeader, StringComparison.OrdinalIgnoreCase))
            .Any(h => h.Value.Trim().Trim('<', '>').Equals(recipient.ToString(), StringComparison.OrdinalIgnoreCase));
        if (!via || outcome.RejectText is not null || outcome.Sends.Count == 0 && outcome.Replies.Count == 0) return outcome;
        var keeps = outcome.DefaultDelivery || outcome.Stores.Count > 0;
        _logger.LogWarning("rule loop: a copy sent on by the rules of {Account} came back to it; not sent on again, {What}", recipient,
            keeps ? "and not stored twice" : "kept in INBOX so it is not lost");
        var trace = outcome.Trace.Append($"loop: {recipient} already sent this message on; {(keeps ? "dropped (a copy is already kept)" : "kept in INBOX")}").ToList();
        return keeps
            ? new RuleOutcome(null, false, [], [], [], [], [], trace)
            : new RuleOutcome(null, true, [], [], outcome.HeaderEdits, outcome.AddFlags, [], trace);
    }
}
