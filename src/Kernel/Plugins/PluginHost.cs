using Kernel.Abstractions;
using Kernel.Connections;
using Microsoft.Extensions.Logging;

namespace Kernel.Plugins;

/// <summary>
/// Loads, composes, starts, watches and unloads the plugins under <see cref="PluginHostOptions.PluginsDirectory"/>
/// (issue 3 §2). Each plugin lives in its own collectible load context with one MEF2 container; a plugin that fails
/// (refused at load, a constructor or a start that throws) is marked <see cref="PluginState.Failed"/> with its reason
/// and the rest run. Also the kernel's view of the extension points (<see cref="IKernelExtensions"/>).
/// </summary>
/// <remarks>
/// Issue 8 §2: plugin code (composition, <c>StartAsync</c>, <c>StopAsync</c>) never runs under <see cref="_mutex"/>,
/// and each call has a deadline (<see cref="PluginHostOptions.StartTimeout"/>, <see cref="PluginHostOptions.StopTimeout"/>):
/// one plugin that blocks cannot hold up another plugin's install or unload, nor shutdown. Operations on one plugin
/// are serialised by its own gate, which is held at most for those deadlines.
/// </remarks>
/// <remarks>
/// In <c>serve</c>: <see cref="StartAsync"/> (loads everything, starts the modules, watches the folder), then
/// <see cref="StopAsync"/> at shutdown. In any other CLI invocation: <see cref="LoadAll"/> only, for the plugins'
/// commands (<see cref="CliCommands"/>), then <see cref="DisposeAsync"/>.
/// </remarks>
public sealed class PluginHost : IKernelExtensions, IAsyncDisposable
{
    private readonly PluginHostOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IMessageBus _bus;
    private readonly IAddressRouter _defaultRouter;
    private readonly IListenerRegistry _listeners;
    private readonly ConnectionServer? _connections;
    private readonly TransportDeliveries? _transportDeliveries;
    private readonly PluginStateTable? _stateTable;
    private readonly PluginComposer _composer;
    private readonly SemaphoreSlim _mutex = new(1, 1);
    private readonly Dictionary<string, PluginEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string>? _enabled;
    private readonly List<string> _startOrder = [];
    private Extensions _extensions;
    private bool _loaded;
    private bool _started;
    private CancellationTokenSource? _watchStop;
    private Task? _watcher;
    private readonly object _choiceLock = new();
    private string? _routerOwner;
    private string? _rulesOwner;
    private readonly HashSet<string> _ignoredWarned = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Load contexts of plugins abandoned after a deadline: code still running there is still theirs (crash attribution).</summary>
    private readonly List<(string Name, WeakReference Context)> _abandoned = [];

    public PluginHost(
        PluginHostOptions options,
        IServiceProvider kernelServices,
        ILoggerFactory loggerFactory,
        IMessageBus bus,
        IAddressRouter defaultRouter,
        PluginStateTable? stateTable = null)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<PluginHost>();
        _bus = bus;
        _defaultRouter = defaultRouter;
        _stateTable = stateTable;
        _listeners = kernelServices.GetService(typeof(IListenerRegistry)) as IListenerRegistry ?? new UnavailableListenerRegistry();
        _connections = kernelServices.GetService(typeof(ConnectionServer)) as ConnectionServer;
        _transportDeliveries = kernelServices.GetService(typeof(TransportDeliveries)) as TransportDeliveries;
        _enabled = options.Enabled is { Count: > 0 } names ? new HashSet<string>(names, StringComparer.OrdinalIgnoreCase) : null;
        _extensions = new Extensions(defaultRouter, null, [], [], []);
        _composer = new PluginComposer(kernelServices, loggerFactory, options.Configuration, bus, new CurrentRouter(this));
    }

    // --- IKernelExtensions: a snapshot swapped atomically whenever a plugin comes or goes ---

    public IAddressRouter Router => Volatile.Read(ref _extensions).Router;

    public IRuleEngine? RuleEngine => Volatile.Read(ref _extensions).RuleEngine;

    public IReadOnlyList<IMailTransport> MailTransports => Volatile.Read(ref _extensions).MailTransports;

    public IReadOnlyList<ISignalTransport> SignalTransports => Volatile.Read(ref _extensions).SignalTransports;

    public IReadOnlyList<ICliCommands> CliCommands => Volatile.Read(ref _extensions).CliCommands;

    /// <summary>Every plugin the host knows, by name: active, loaded, disabled, failed (with reason) or unloaded.</summary>
    public IReadOnlyList<PluginStatus> Plugins
    {
        get
        {
            lock (_entries)
            {
                // A folder seen once and still settling (no state yet) is not shown.
                return _entries.Values.Where(e => e.State != PluginState.Unloaded || e.Reason is not null)
                    .OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase).Select(e => e.Status).ToArray();
            }
        }
    }

    public PluginStatus? Find(string name)
    {
        lock (_entries) return _entries.TryGetValue(name, out var entry) ? entry.Status : null;
    }

    /// <summary>
    /// Loads and composes every selected plugin folder without starting anything (the CLI's path: plugin commands are
    /// then in <see cref="CliCommands"/>). Idempotent; never throws for a broken plugin.
    /// </summary>
    public void LoadAll()
    {
        IReadOnlyList<(PluginEntry Entry, string Folder)> toLoad;
        _mutex.Wait();
        try
        {
            toLoad = PlanLoadAllLocked();
        }
        finally
        {
            _mutex.Release();
        }
        LoadPlannedAsync(toLoad).GetAwaiter().GetResult();
    }

    /// <summary>Loads (if not yet), starts every loaded module in name order, then watches the folder for drop-ins.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<(PluginEntry Entry, string Folder)> toLoad;
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            toLoad = PlanLoadAllLocked();
            _started = true;
        }
        finally
        {
            _mutex.Release();
        }
        await LoadPlannedAsync(toLoad);
        var toStart = SnapshotEntries().Where(e => e.State == PluginState.Loaded).ToArray();
        foreach (var entry in toStart)
        {
            await entry.Gate.WaitAsync(cancellationToken);
            try
            {
                if (entry.State == PluginState.Loaded && entry.Loaded is not null) await StartEntryAsync(entry, cancellationToken);
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        await PublishAsync();
        if (_options.WatchFolder)
        {
            _watchStop = new CancellationTokenSource();
            var token = _watchStop.Token;
            _watcher = Task.Run(() => WatchAsync(token), CancellationToken.None);
        }
    }

    /// <summary>Stops the watcher, then every active module in reverse start order (each with the stop deadline), and unloads them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopWatcherAsync();
        string[] order;
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            _started = false;
            lock (_startOrder) order = _startOrder.ToArray().Reverse().ToArray();
        }
        finally
        {
            _mutex.Release();
        }
        var entries = order.Select(n => { lock (_entries) return _entries.GetValueOrDefault(n); }).OfType<PluginEntry>()
            .Concat(SnapshotEntries()).Distinct().ToArray();
        foreach (var entry in entries)
        {
            // A plugin busy past every deadline (its gate not free within start + stop time) is left to the process exit.
            if (!await entry.Gate.WaitAsync(_options.StartTimeout + _options.StopTimeout, cancellationToken))
            {
                _logger.LogWarning("plugin {Plugin} is still busy; not waiting for it to stop", entry.Name);
                continue;
            }
            try
            {
                if (entry.Loaded is not null) await UnloadEntryAsync(entry, "server stopped", cancellationToken);
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        await PublishAsync();
    }

    /// <summary>Stops (with the deadline), drains and unloads one plugin. False when it is not loaded.</summary>
    public async Task<bool> UnloadAsync(string name, CancellationToken cancellationToken = default)
    {
        PluginEntry? entry;
        lock (_entries) _entries.TryGetValue(name, out entry);
        if (entry is null) return false;
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Loaded is null) return false;
            await UnloadEntryAsync(entry, "unloaded by request", cancellationToken);
        }
        finally
        {
            entry.Gate.Release();
        }
        await PublishAsync();
        return true;
    }

    /// <summary>
    /// One pass of the folder watcher: removed folders are unloaded; a new (or replaced) folder is loaded — and started
    /// when the host runs — once it looks the same on two passes in a row, so a half-copied folder is never loaded;
    /// a folder that failed is retried when its content changes. Names starting with '.' (staging) are ignored.
    /// </summary>
    internal async Task ScanAsync(CancellationToken cancellationToken) => await Task.WhenAll(await BeginScanAsync(cancellationToken));

    /// <summary>
    /// Plans one pass and starts its per-plugin operations, returning them unawaited: the watcher does not wait for a
    /// plugin stuck in its start before looking at the folder again (the busy plugin is skipped until it is done).
    /// </summary>
    private async Task<Task[]> BeginScanAsync(CancellationToken cancellationToken)
    {
        // Decide under the lock (cheap: folder listings and fingerprints), act outside it, one task per plugin, so a
        // plugin that blocks in its constructor or StartAsync delays nobody else.
        var work = new List<Func<Task>>();
        var changed = false;
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            var present = ListFolders();
            foreach (var entry in SnapshotEntries())
            {
                if (present.ContainsKey(entry.Name) || (entry.Fingerprint is null && entry.Pending is null)) continue;
                if (entry.Gate.CurrentCount == 0) continue; // busy: looked at again on the next pass
                entry.Pending = null;
                entry.Fingerprint = null;
                if (entry.Loaded is not null)
                {
                    work.Add(() => OnGateAsync(entry, () => UnloadEntryAsync(entry, "folder removed", cancellationToken), cancellationToken));
                }
                else if (entry.State is PluginState.Failed or PluginState.Disabled)
                {
                    entry.Set(PluginState.Unloaded, "folder removed");
                    changed = true;
                }
            }
            foreach (var (name, folder) in present)
            {
                PluginEntry? entry;
                lock (_entries) _entries.TryGetValue(name, out entry);
                if (entry is not null && entry.Gate.CurrentCount == 0) continue;
                if (_enabled is not null && !_enabled.Contains(name))
                {
                    if (entry is null || entry.State != PluginState.Disabled)
                    {
                        entry ??= AddEntry(name);
                        entry.Set(PluginState.Disabled, "not selected by Kernel:Plugins");
                        changed = true;
                    }
                    continue;
                }
                var fingerprint = Fingerprint(folder);
                // A plugin set aside for crashing the process is retried once `kernel plugins enable` removed the record.
                if (entry is not null && entry.Fingerprint == fingerprint
                    && !(entry.SetAside && PluginCrashRecord.Read(_options.DataDirectory, name) is null)) continue;
                if (entry is not null && entry.SetAside && entry.Fingerprint == fingerprint) entry.Pending = fingerprint;
                if (entry?.Pending != fingerprint)
                {
                    // First sight of this content: wait one more pass for a copy in progress to settle.
                    (entry ??= AddEntry(name)).Pending = fingerprint;
                    continue;
                }
                entry.Pending = null;
                entry.Fingerprint = fingerprint;
                var start = _started;
                work.Add(() => OnGateAsync(entry, async () =>
                {
                    // A newer version of an active plugin takes its listeners over without closing them (issue 7 §1).
                    if (start && _started && entry.State == PluginState.Active && entry.Loaded is not null)
                    {
                        await ReplaceActiveAsync(entry, folder, fingerprint, cancellationToken);
                        return;
                    }
                    if (entry.Loaded is not null) await UnloadEntryAsync(entry, "folder replaced", cancellationToken);
                    await LoadEntryAsync(entry, folder, fingerprint);
                    if (start && _started && entry.State == PluginState.Loaded && entry.Loaded is not null) await StartEntryAsync(entry, cancellationToken);
                }, cancellationToken));
            }
        }
        finally
        {
            _mutex.Release();
        }
        if (changed) await PublishAsync();
        // Each operation takes its plugin's gate before its first await, so the next pass already sees it busy.
        return work.Select(w => w()).ToArray();
    }

    /// <summary>Runs one plugin's operation under its gate, then publishes the new extension snapshot and states.</summary>
    private async Task OnGateAsync(PluginEntry entry, Func<Task> operation, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            await operation();
        }
        finally
        {
            entry.Gate.Release();
        }
        await PublishAsync();
    }

    /// <summary>Publishes the new extension snapshot and records the states for other processes, under the host's lock (so writes stay in order).</summary>
    private async Task PublishAsync()
    {
        await _mutex.WaitAsync();
        try
        {
            Recompute();
            await RecordStatesAsync();
        }
        finally
        {
            _mutex.Release();
        }
    }

    private async Task LockedAsync(Action action)
    {
        await _mutex.WaitAsync();
        try
        {
            action();
        }
        finally
        {
            _mutex.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWatcherAsync();
        foreach (var entry in SnapshotEntries().Where(e => e.Loaded is not null))
        {
            if (!await entry.Gate.WaitAsync(_options.StartTimeout + _options.StopTimeout)) continue;
            try
            {
                if (entry.State == PluginState.Active) await UnloadEntryAsync(entry, "host disposed", CancellationToken.None);
                else DisposeLoaded(entry, PluginState.Unloaded, "host disposed");
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        await LockedAsync(Recompute);
    }

    /// <summary>The load context of a loaded plugin, weakly (a test watches it being collected after unload).</summary>
    internal WeakReference? LoadContextOf(string name)
    {
        lock (_entries) return _entries.TryGetValue(name, out var entry) ? entry.Loaded?.LoadContext : null;
    }

    /// <summary>
    /// The plugin whose code threw <paramref name="error"/>: the first frame (of the exception or any inner one) whose
    /// assembly lives in a plugin's load context, including contexts abandoned after a deadline. Null when none does.
    /// </summary>
    public string? OwnerOf(Exception error)
    {
        var contexts = new List<(string Name, System.Runtime.Loader.AssemblyLoadContext Context)>();
        foreach (var entry in SnapshotEntries())
        {
            if (entry.Loaded?.LoadContext.Target is System.Runtime.Loader.AssemblyLoadContext context) contexts.Add((entry.Name, context));
        }
        lock (_abandoned)
        {
            foreach (var (name, weak) in _abandoned)
            {
                if (weak.Target is System.Runtime.Loader.AssemblyLoadContext context) contexts.Add((name, context));
            }
        }
        if (contexts.Count == 0) return null;
        for (var e = error; e is not null; e = e.InnerException)
        {
            foreach (var frame in new System.Diagnostics.StackTrace(e, false).GetFrames())
            {
                var assembly = frame.GetMethod()?.DeclaringType?.Assembly;
                if (assembly is null) continue;
                var context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(assembly);
                foreach (var (name, candidate) in contexts)
                {
                    if (ReferenceEquals(candidate, context)) return name;
                }
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Count > 1)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (OwnerOf(inner) is { } owner) return owner;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Work a plugin started faulted and nobody observed it (a fire-and-forget task): the plugin is failed with the
    /// reason and unloaded; the server keeps running.
    /// </summary>
    public void ReportFault(string name, Exception error)
    {
        var reason = "its background work threw: " + PluginComposer.OneLine(error);
        _logger.LogError(error, "plugin {Plugin} failed: {Reason}", name, reason);
        _ = Task.Run(async () =>
        {
            PluginEntry? entry;
            lock (_entries) _entries.TryGetValue(name, out entry);
            if (entry is null) return;
            await entry.Gate.WaitAsync();
            try
            {
                if (entry.Loaded is not null) await UnloadEntryAsync(entry, reason, CancellationToken.None);
                entry.Set(PluginState.Failed, reason);
            }
            finally
            {
                entry.Gate.Release();
            }
            await PublishAsync();
        });
    }

    /// <summary>Composes the planned plugins outside the host's lock (constructors are plugin code), each under its gate.</summary>
    private async Task LoadPlannedAsync(IReadOnlyList<(PluginEntry Entry, string Folder)> toLoad)
    {
        foreach (var (entry, folder) in toLoad)
        {
            await entry.Gate.WaitAsync();
            try
            {
                await LoadEntryAsync(entry, folder, entry.Fingerprint!);
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        await LockedAsync(Recompute);
    }

    /// <summary>The first look at the plugins folder (once): entries for every folder, and which of them to compose.</summary>
    private List<(PluginEntry Entry, string Folder)> PlanLoadAllLocked()
    {
        var toLoad = new List<(PluginEntry Entry, string Folder)>();
        if (_loaded) return toLoad;
        _loaded = true;
        var present = ListFolders();
        if (!Directory.Exists(_options.PluginsDirectory))
            _logger.LogInformation("plugins directory {Directory} does not exist; running without plugins", _options.PluginsDirectory);
        foreach (var (name, folder) in present)
        {
            var entry = AddEntry(name);
            entry.Fingerprint = Fingerprint(folder);
            if (_enabled is not null && !_enabled.Contains(name))
            {
                entry.Set(PluginState.Disabled, "not selected by Kernel:Plugins");
                continue;
            }
            toLoad.Add((entry, folder));
        }
        foreach (var name in _enabled ?? [])
        {
            if (present.ContainsKey(name)) continue;
            var entry = AddEntry(name);
            Fail(entry, $"selected by Kernel:Plugins but there is no folder {Path.Combine(_options.PluginsDirectory, name)}");
        }
        return toLoad;
    }

    /// <summary>
    /// Composes a plugin (its constructors are plugin code: run on the pool with the start deadline). A plugin that
    /// brought the process down before is set aside until an operator enables it again (<see cref="PluginCrashRecord"/>).
    /// </summary>
    private async Task LoadEntryAsync(PluginEntry entry, string folder, string fingerprint)
    {
        entry.Fingerprint = fingerprint;
        if (PluginCrashRecord.Read(_options.DataDirectory, entry.Name) is { } crash)
        {
            entry.SetAside = true;
            Fail(entry, $"set aside: {crash} (load it again with `kernel plugins enable {entry.Name}`)");
            return;
        }
        entry.SetAside = false;
        var load = Task.Run(() => _composer.Load(entry.Name, folder));
        try
        {
            var loaded = await load.WaitAsync(_options.StartTimeout);
            entry.Loaded = loaded;
            entry.Version = loaded.Metadata.Version;
            entry.SdkVersion = PluginAssemblyCheck.Format(loaded.SdkVersion);
            entry.Set(PluginState.Loaded, null);
            _logger.LogInformation("plugin {Plugin} {Version} loaded (SDK {SdkVersion})", entry.Name, entry.Version, entry.SdkVersion);
        }
        catch (TimeoutException)
        {
            // The constructor still runs on a pool thread we cannot stop; if it ever finishes, its context is released.
            _ = load.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); else _ = t.Exception; }, TaskScheduler.Default);
            Fail(entry, $"did not load within {_options.StartTimeout.TotalSeconds:0.#} s (a constructor blocks); abandoned");
        }
        catch (PluginLoadException e)
        {
            Fail(entry, e.Message);
        }
    }

    /// <summary>
    /// Starts every module of a loaded plugin with the start deadline. <c>StartAsync</c> runs on the pool (Task.Run), so
    /// one that blocks synchronously holds neither the caller's thread nor any lock; past the deadline the plugin is
    /// failed and its context abandoned — the blocked thread itself cannot be stopped in .NET and is leaked.
    /// </summary>
    private async Task StartEntryAsync(PluginEntry entry, CancellationToken cancellationToken)
    {
        var loaded = entry.Loaded!;
        var (failure, error) = await StartModulesAsync(entry.Name, loaded, cancellationToken);
        if (failure is not null)
        {
            DisposeLoaded(entry, PluginState.Failed, failure);
            if (error is null) _logger.LogError("plugin {Plugin} failed: {Reason}", entry.Name, entry.Reason);
            else _logger.LogError(error, "plugin {Plugin} failed: {Reason}", entry.Name, entry.Reason);
            return;
        }
        entry.Set(PluginState.Active, null);
        lock (_startOrder)
        {
            _startOrder.Remove(entry.Name);
            _startOrder.Add(entry.Name);
        }
        _logger.LogInformation("plugin {Plugin} {Version} active", entry.Name, entry.Version);
        _bus.Publish(new PluginLoaded(entry.Name, entry.Version ?? ""));
    }

    /// <summary>
    /// Starts every module of a loaded plugin with the start deadline; on failure stops what started, drains its
    /// connections and abandons the context, and returns the reason. <c>StartAsync</c> runs on the pool (Task.Run), so one
    /// that blocks synchronously holds neither the caller's thread nor any lock; the blocked thread itself cannot be
    /// stopped in .NET and is leaked.
    /// </summary>
    private async Task<(string? Failure, Exception? Error)> StartModulesAsync(string name, LoadedPlugin loaded, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.Combine(_options.DataDirectory, "plugins", name);
        var started = new List<IModule>();
        string? failure = null;
        Exception? error = null;
        try
        {
            Directory.CreateDirectory(dataDirectory);
            var context = CreateContext(name, loaded, dataDirectory);
            foreach (var module in loaded.Modules)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(_options.StartTimeout);
                var start = Task.Run(() => module.StartAsync(context, deadline.Token), CancellationToken.None);
                try
                {
                    await start.WaitAsync(_options.StartTimeout, cancellationToken);
                }
                catch (TimeoutException)
                {
                    Observe(start);
                    failure = $"did not start within {_options.StartTimeout.TotalSeconds:0.#} s; abandoned";
                    break;
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    failure = $"did not start within {_options.StartTimeout.TotalSeconds:0.#} s; abandoned";
                    break;
                }
                started.Add(module);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failure = "StartAsync threw: " + PluginComposer.OneLine(e);
            error = e;
        }
        if (failure is null) return (null, null);
        started.Reverse();
        foreach (var module in started) await StopModuleAsync(name, module, CancellationToken.None);
        await DrainConnectionsAsync(name, loaded, CancellationToken.None);
        lock (_abandoned) _abandoned.Add((name, loaded.LoadContext));
        return (failure, error);
    }

    private static void Observe(Task task) =>
        _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private async Task UnloadEntryAsync(PluginEntry entry, string reason, CancellationToken cancellationToken)
    {
        var loaded = entry.Loaded;
        if (loaded is null) return;
        var wasActive = entry.State == PluginState.Active;
        if (wasActive)
        {
            // Listeners first (design.md): stop accepting, let connections in flight finish, then stop the modules.
            await DrainConnectionsAsync(entry.Name, loaded, cancellationToken);
            await DrainDeliveriesAsync(entry.Name, loaded, cancellationToken);
            foreach (var module in loaded.Modules.Reverse()) await StopModuleAsync(entry.Name, module, cancellationToken);
        }
        lock (_startOrder) _startOrder.Remove(entry.Name);
        DisposeLoaded(entry, PluginState.Unloaded, reason);
        _logger.LogInformation("plugin {Plugin} unloaded: {Reason}", entry.Name, reason);
        if (wasActive) _bus.Publish(new PluginUnloaded(entry.Name));
    }

    /// <summary>Stop with the deadline: a module that does not finish in time is abandoned, never awaited forever.</summary>
    private async Task StopModuleAsync(string name, IModule module, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StopTimeout);
        try
        {
            // On the pool: a StopAsync that blocks synchronously must not hold the caller past the deadline.
            var stop = Task.Run(() => module.StopAsync(deadline.Token), CancellationToken.None);
            try
            {
                await stop.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Observe(stop);
                throw;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _logger.LogWarning("plugin {Plugin} did not stop within {Timeout}", name, _options.StopTimeout);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "plugin {Plugin} failed while stopping", name);
        }
    }

    private ModuleContext CreateContext(string name, LoadedPlugin loaded, string dataDirectory)
    {
        loaded.Connections = _connections?.CreateHost(name, _options.Configuration);
        return new ModuleContext(name, _options.Configuration, _loggerFactory, dataDirectory, _listeners,
            (IConnectionHost?)loaded.Connections ?? UnavailableConnectionHost.Instance);
    }

    /// <summary>Stops the plugin's listeners and lets its connections finish, within the stop deadline; the rest are aborted.</summary>
    private async Task DrainConnectionsAsync(string name, LoadedPlugin loaded, CancellationToken cancellationToken)
    {
        if (loaded.Connections is not { } connections) return;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StopTimeout);
        try
        {
            await connections.DrainAsync(deadline.Token);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "draining the connections of plugin {Plugin} failed", name);
        }
    }

    /// <summary>Lets the plugin's mail transports finish the deliveries in flight, within the stop deadline.</summary>
    private async Task DrainDeliveriesAsync(string name, LoadedPlugin loaded, CancellationToken cancellationToken)
    {
        if (_transportDeliveries is null || loaded.MailTransports.Count == 0) return;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StopTimeout);
        try
        {
            await _transportDeliveries.WaitForDeliveriesAsync(loaded.MailTransports, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _logger.LogWarning("plugin {Plugin}: deliveries in flight did not finish within {Timeout}; unloading anyway", name, _options.StopTimeout);
        }
    }

    /// <summary>
    /// A newer version replaces an active plugin without a refused connection (issue 7 §1): the new version is loaded
    /// and started first, and its listeners take over the kernel-owned sockets of the same roles; then the old version
    /// drains (its connections finish or time out), stops and is unloaded. When the new version fails to load or
    /// start, the old one keeps serving and the failure is logged; the same content is not retried until it changes.
    /// </summary>
    private async Task ReplaceActiveAsync(PluginEntry entry, string folder, string fingerprint, CancellationToken cancellationToken)
    {
        var old = entry.Loaded!;
        var oldVersion = entry.Version;
        entry.Fingerprint = fingerprint;
        // Composing runs plugin code (constructors): on the pool, with the start deadline, as for a first load.
        var load = Task.Run(() => _composer.Load(entry.Name, folder));
        LoadedPlugin next;
        try
        {
            next = await load.WaitAsync(_options.StartTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            _ = load.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); else _ = t.Exception; }, TaskScheduler.Default);
            _logger.LogError("plugin {Plugin}: the replacement did not load within {Timeout}; version {Version} keeps serving", entry.Name, _options.StartTimeout, oldVersion);
            return;
        }
        catch (PluginLoadException e)
        {
            _logger.LogError("plugin {Plugin}: the replacement does not load ({Reason}); version {Version} keeps serving", entry.Name, e.Message, oldVersion);
            return;
        }
        var (failure, error) = await StartModulesAsync(entry.Name, next, cancellationToken);
        if (failure is not null)
        {
            next.Dispose();
            _logger.LogError(error, "plugin {Plugin}: the replacement failed ({Reason}); version {Version} keeps serving", entry.Name, failure, oldVersion);
            return;
        }
        entry.Loaded = next;
        entry.Version = next.Metadata.Version;
        entry.SdkVersion = PluginAssemblyCheck.Format(next.SdkVersion);
        entry.Set(PluginState.Active, null);
        Recompute();
        _logger.LogInformation("plugin {Plugin} {Version} active, replacing {OldVersion}", entry.Name, entry.Version, oldVersion);
        await DrainConnectionsAsync(entry.Name, old, cancellationToken);
        await DrainDeliveriesAsync(entry.Name, old, cancellationToken);
        foreach (var module in old.Modules.Reverse()) await StopModuleAsync(entry.Name, module, cancellationToken);
        old.Dispose();
        _logger.LogInformation("plugin {Plugin} {OldVersion} unloaded: replaced by {Version}", entry.Name, oldVersion, entry.Version);
        _bus.Publish(new PluginUnloaded(entry.Name));
        _bus.Publish(new PluginLoaded(entry.Name, entry.Version ?? ""));
    }

    /// <summary>Drops every reference to the plugin's objects, then unloads its context (collected once nothing else holds it).</summary>
    private void DisposeLoaded(PluginEntry entry, PluginState state, string? reason)
    {
        var loaded = entry.Loaded;
        entry.Loaded = null;
        entry.Set(state, reason);
        if (loaded is null) return;
        Recompute();
        loaded.Dispose();
    }

    private void Fail(PluginEntry entry, string reason)
    {
        entry.Set(PluginState.Failed, reason);
        _logger.LogError("plugin {Plugin} failed: {Reason}", entry.Name, reason);
    }

    private PluginEntry AddEntry(string name)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(name, out var entry)) _entries[name] = entry = new PluginEntry(name);
            return entry;
        }
    }

    private PluginEntry[] SnapshotEntries()
    {
        lock (_entries) return _entries.Values.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Plugin folders by name; names starting with '.' are staging or parked folders and never plugins.</summary>
    private SortedDictionary<string, string> ListFolders()
    {
        var folders = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(_options.PluginsDirectory)) return folders;
        foreach (var folder in Directory.EnumerateDirectories(_options.PluginsDirectory))
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith('.')) continue;
            folders[name] = folder;
        }
        return folders;
    }

    /// <summary>What a folder holds (files, sizes, times): a change means a copy in progress or a replacement.</summary>
    private static string Fingerprint(string folder)
    {
        try
        {
            long count = 0, size = 0, latest = Directory.GetLastWriteTimeUtc(folder).Ticks;
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                count++;
                size += file.Length;
                latest = Math.Max(latest, file.LastWriteTimeUtc.Ticks);
            }
            return $"{count}:{size}:{latest}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unreadable:" + Guid.NewGuid();
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ScanInterval, cancellationToken);
                foreach (var operation in await BeginScanAsync(cancellationToken))
                {
                    _ = operation.ContinueWith(
                        t =>
                        {
                            // Cancelled by the watcher stopping (shutdown): StopAsync unloads what was left half-started.
                            if (t.Exception?.InnerException is OperationCanceledException && cancellationToken.IsCancellationRequested) return;
                            _logger.LogError(t.Exception, "a plugin operation of the folder watcher failed");
                        },
                        CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "scanning the plugins directory {Directory} failed", _options.PluginsDirectory);
            }
        }
    }

    private async Task StopWatcherAsync()
    {
        var stop = _watchStop;
        var watcher = _watcher;
        _watchStop = null;
        _watcher = null;
        if (stop is null) return;
        await stop.CancelAsync();
        if (watcher is not null) await watcher;
        stop.Dispose();
    }

    /// <summary>
    /// Rebuilds the extension snapshot from the plugins that are loaded or active. Which plugin supplies the router and
    /// the rule engine is the operator's choice (<c>Kernel:Router</c>, <c>Kernel:Rules</c>); without one, the supplier
    /// in force stays and one appearing later is ignored with a warning — never swapped in (issue 8 §3).
    /// </summary>
    private void Recompute()
    {
        lock (_choiceLock)
        {
            var live = SnapshotEntries().Where(e => e.Loaded is not null && e.State is PluginState.Loaded or PluginState.Active).ToArray();
            var router = Choose("Router", _options.Router, ref _routerOwner, live.SelectMany(e => e.Loaded!.Routers.Select(r => (e.Name, r))).ToArray()) ?? _defaultRouter;
            var rules = Choose("Rules", _options.Rules, ref _rulesOwner, live.SelectMany(e => e.Loaded!.RuleEngines.Select(r => (e.Name, r))).ToArray());
            Volatile.Write(ref _extensions, new Extensions(
                router,
                rules,
                live.SelectMany(e => e.Loaded!.MailTransports).ToArray(),
                live.SelectMany(e => e.Loaded!.SignalTransports).ToArray(),
                live.SelectMany(e => e.Loaded!.CliCommands).ToArray()));
        }
    }

    private T? Choose<T>(string point, string? configured, ref string? owner, IReadOnlyList<(string Plugin, T Export)> candidates) where T : class
    {
        if (configured is not null)
        {
            var chosen = candidates.Where(c => string.Equals(c.Plugin, configured, StringComparison.OrdinalIgnoreCase)).ToArray();
            foreach (var other in candidates.Select(c => c.Plugin).Where(p => !string.Equals(p, configured, StringComparison.OrdinalIgnoreCase)).Distinct())
                WarnIgnored(point, other, $"Kernel:{point} names {configured}");
            if (chosen.Length >= 1) return chosen[0].Export;
            if (candidates.Count > 0 && _ignoredWarned.Add($"{point}:missing:{configured}"))
                _logger.LogWarning("Kernel:{Point} names {Plugin}, which is not loaded or does not fill it; using the kernel default", point, configured);
            return null;
        }
        // One ignored once stays ignored while this process runs, even if the supplier in force goes away.
        candidates = candidates.Where(c => !_ignoredWarned.Contains($"{point}:{c.Plugin}")).ToArray();
        var current = owner;
        var inForce = candidates.Where(c => string.Equals(c.Plugin, current, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (inForce.Length > 0)
        {
            foreach (var other in candidates.Select(c => c.Plugin).Where(p => !string.Equals(p, current, StringComparison.OrdinalIgnoreCase)).Distinct())
                WarnIgnored(point, other, $"{current} supplies it (name the supplier with Kernel:{point})");
            return inForce[0].Export;
        }
        var plugins = candidates.Select(c => c.Plugin).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (plugins.Length == 1)
        {
            owner = plugins[0];
            return candidates[0].Export;
        }
        owner = null;
        if (plugins.Length > 1)
            _logger.LogWarning("several plugins fill {Point} ({Plugins}); name one with Kernel:{Point}; using the kernel default",
                point, string.Join(", ", plugins), point);
        return null;
    }

    private void WarnIgnored(string point, string plugin, string why)
    {
        if (_ignoredWarned.Add($"{point}:{plugin}"))
            _logger.LogWarning("plugin {Plugin} also fills {Point}; ignored: {Why}", plugin, point, why);
    }

    private async Task RecordStatesAsync()
    {
        if (_stateTable is null) return;
        try
        {
            await _stateTable.ReplaceAsync(Plugins);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "recording plugin states failed");
        }
    }

    private sealed record Extensions(
        IAddressRouter Router,
        IRuleEngine? RuleEngine,
        IReadOnlyList<IMailTransport> MailTransports,
        IReadOnlyList<ISignalTransport> SignalTransports,
        IReadOnlyList<ICliCommands> CliCommands);

    private sealed class PluginEntry(string name)
    {
        public string Name { get; } = name;

        public PluginState State { get; private set; } = PluginState.Unloaded;

        public string? Reason { get; private set; }

        public string? Version { get; set; }

        public string? SdkVersion { get; set; }

        public string? Fingerprint { get; set; }

        /// <summary>Content seen on the last scan but not yet loaded (waiting for it to settle).</summary>
        public string? Pending { get; set; }

        public LoadedPlugin? Loaded { get; set; }

        /// <summary>Not loaded because it brought the process down before (<see cref="PluginCrashRecord"/>).</summary>
        public bool SetAside { get; set; }

        /// <summary>Serialises operations on this plugin (load, start, stop); held at most for their deadlines.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public PluginStatus Status => new(Name, State, Version, SdkVersion, Reason);

        public void Set(PluginState state, string? reason)
        {
            State = state;
            Reason = reason;
        }
    }
}
