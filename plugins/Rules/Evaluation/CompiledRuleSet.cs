using System.Collections;

namespace Rules;

/// <summary>
/// A compiled set in evaluation order (rules.md §3: priority, then stored order) with the <see cref="RuleIndex"/> that
/// finds, per message, the few rules that can match, so a large set does not test every rule.
/// </summary>
internal sealed class CompiledRuleSet(IReadOnlyList<CompiledRule> rules) : IReadOnlyList<CompiledRule>
{
    public RuleIndex Index { get; } = new(rules);

    public CompiledRule this[int index] => rules[index];

    public int Count => rules.Count;

    public IEnumerator<CompiledRule> GetEnumerator() => rules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
