namespace Kernel.Abstractions;

/// <summary>
/// Evaluates rules (rules.md); supplied by the Rules plugin. The kernel executes the outcome. The kernel gives each
/// call a deadline: a timeout or an exception becomes a temporary failure, never a lost message.
/// </summary>
public interface IRuleEngine
{
    /// <summary>Server-wide rules, once per submission, before anything is stored (rules.md §1).</summary>
    Task<RuleOutcome> EvaluateServerAsync(RuleInput input, CancellationToken cancellationToken);

    /// <summary>The domain's and the account's rules for one local recipient, at delivery.</summary>
    Task<RuleOutcome> EvaluateDeliveryAsync(RuleInput input, AccountAddress recipient, CancellationToken cancellationToken);
}
