using System.Composition;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Rules;

/// <summary>
/// The Rules plugin's module: drops a compiled set from the cache whenever the store says its document changed
/// (<see cref="ConfigurationChanged"/>, published within a second of a change made by any process), so the next
/// message reads the new set without a restart.
/// </summary>
[Module("Rules", "1.0.0")]
public sealed class RulesModule : IModule
{
    private readonly RuleSetCache _cache;
    private readonly IMessageBus _bus;
    private IDisposable? _subscription;

    [ImportingConstructor]
    public RulesModule(RuleSetCache cache, IMessageBus bus)
    {
        _cache = cache;
        _bus = bus;
    }

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _cache.Logger = context.LoggerFactory.CreateLogger("Rules");
        _subscription = _bus.Subscribe<ConfigurationChanged>((changed, _) =>
        {
            _cache.Invalidate(changed.Name);
            return ValueTask.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        return Task.CompletedTask;
    }
}
