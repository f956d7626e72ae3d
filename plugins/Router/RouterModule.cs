using System.Composition;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Router;

/// <summary>
/// The Router plugin's module: loads the table from the configuration store at start and again on every
/// <see cref="ConfigurationChanged"/> for it (or for settings), swapping the compiled snapshot atomically. A bad
/// table in the store keeps the old one and logs every error.
/// </summary>
[Module("Router", "1.0.0")]
public sealed class RouterModule : IModule
{
    private readonly RouterState _state;
    private readonly IConfigurationStore _documents;
    private readonly IAccountStore _accounts;
    private readonly IMessageBus _bus;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private IDisposable? _subscription;
    private ILogger _logger = NullLogger.Instance;

    [ImportingConstructor]
    public RouterModule(RouterState state, IConfigurationStore documents, IAccountStore accounts, IMessageBus bus)
    {
        _state = state;
        _documents = documents;
        _accounts = accounts;
        _bus = bus;
    }

    public async Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _logger = context.LoggerFactory.CreateLogger("Router");
        await ReloadAsync(cancellationToken);
        _subscription = _bus.Subscribe<ConfigurationChanged>(async (changed, token) =>
        {
            // Name null: "something changed; re-read" — settings are part of the snapshot too.
            if (changed.Name is null || changed.Name == RouterDocument.Name) await ReloadAsync(token);
        });
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        return Task.CompletedTask;
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var (snapshot, parse) = await RouterLoader.LoadAsync(_documents, _accounts, _state.Current, cancellationToken);
            if (parse is { Ok: false })
            {
                foreach (var error in parse.Errors)
                    _logger.LogError("router table in the store refused, the previous table stays active: {Error}", error);
            }
            else if (parse is not null)
            {
                foreach (var warning in parse.Warnings) _logger.LogWarning("router table: {Warning}", warning);
                _logger.LogInformation("router table loaded: {Records} records", snapshot.Table.Records.Count);
            }
            _state.Swap(snapshot);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "router table reload failed; the previous table stays active");
        }
        finally
        {
            _reload.Release();
        }
    }
}
