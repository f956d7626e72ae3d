using Kernel.Abstractions;

namespace Kernel.Tests.Queue.Fakes;

public sealed class FakeRuleEngine : IRuleEngine
{
    public Func<RuleInput, CancellationToken, Task<RuleOutcome>> Server { get; set; } = (_, _) => Task.FromResult(RuleOutcome.Continue);

    public Func<RuleInput, AccountAddress, CancellationToken, Task<RuleOutcome>> Delivery { get; set; } = (_, _, _) => Task.FromResult(RuleOutcome.Continue);

    public int ServerCalls;

    public Task<RuleOutcome> EvaluateServerAsync(RuleInput input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ServerCalls);
        return Server(input, cancellationToken);
    }

    public Task<RuleOutcome> EvaluateDeliveryAsync(RuleInput input, AccountAddress recipient, CancellationToken cancellationToken) =>
        Delivery(input, recipient, cancellationToken);
}
