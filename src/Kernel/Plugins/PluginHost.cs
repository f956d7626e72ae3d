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
        _mutex.Wait();
        try
        {
            LoadAllLocked();
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>Loads (if not yet), starts every loaded module in name order, then watches the folder for drop-ins.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            LoadAllLocked();
            _started = true;
            foreach (var entry in SnapshotEntries().Where(e => e.State == PluginState.Loaded))
                await StartEntryAsync(entry, cancellationToken);
            Recompute();
            RecordStates();
        }
        finally
        {
            _mutex.Release();
        }
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
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            var order = _startOrder.ToArray().Reverse();
            foreach (var name in order)
            {
                PluginEntry? entry;
                lock (_entries) _entries.TryGetValue(name, out entry);
                if (entry?.Loaded is not null) await UnloadEntryAsync(entry, "server stopped", cancellationToken);
            }
            foreach (var entry in SnapshotEntries().Where(e => e.Loaded is not null))
                await UnloadEntryAsync(entry, "server stopped", cancellationToken);
            _started = false;
            Recompute();
            RecordStates();
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>Stops (with the deadline), drains and unloads one plugin. False when it is not loaded.</summary>
    public async Task<bool> UnloadAsync(string name, CancellationToken cancellationToken = default)
    {
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            PluginEntry? entry;
            lock (_entries) _entries.TryGetValue(name, out entry);
            if (entry?.Loaded is null) return false;
            await UnloadEntryAsync(entry, "unloaded by request", cancellationToken);
            Recompute();
            RecordStates();
            return true;
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>
    /// One pass of the folder watcher: removed folders are unloaded; a new (or replaced) folder is loaded — and started
    /// when the host runs — once it looks the same on two passes in a row, so a half-copied folder is never loaded;
    /// a folder that failed is retried when its content changes. Names starting with '.' (staging) are ignored.
    /// </summary>
    internal async Task ScanAsync(CancellationToken cancellationToken)
    {
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            var changed = false;
            var present = ListFolders();
            foreach (var entry in SnapshotEntries())
            {
                if (present.ContainsKey(entry.Name) || (entry.Fingerprint is null && entry.Pending is null)) continue;
                entry.Pending = null;
                entry.Fingerprint = null;
                if (entry.Loaded is not null)
                {
                    await UnloadEntryAsync(entry, "folder removed", cancellationToken);
                    changed = true;
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
                if (entry is not null && entry.Fingerprint == fingerprint) continue;
                if (entry?.Pending != fingerprint)
                {
                    // First sight of this content: wait one more pass for a copy in progress to settle.
                    (entry ??= AddEntry(name)).Pending = fingerprint;
                    continue;
                }
                entry.Pending = null;
                if (_started && entry.State == PluginState.Active)
                {
                    await ReplaceActiveAsync(entry, folder, fingerprint, cancellationToken);
                    changed = true;
                    continue;
                }
                if (entry.Loaded is not null) await UnloadEntryAsync(entry, "folder replaced", cancellationToken);
                LoadEntry(entry, folder, fingerprint);
                if (_started && entry.State == PluginState.Loaded) await StartEntryAsync(entry, cancellationToken);
                changed = true;
            }
            if (changed)
            {
                Recompute();
                RecordStates();
            }
        }
        finally
        {
            _mutex.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWatcherAsync();
        await _mutex.WaitAsync();
        try
        {
            foreach (var entry in SnapshotEntries().Where(e => e.Loaded is not null))
            {
                if (entry.State == PluginState.Active) await UnloadEntryAsync(entry, "host disposed", CancellationToken.None);
                else DisposeLoaded(entry, PluginState.Unloaded, "host disposed");
            }
            Recompute();
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>The load context of a loaded plugin, weakly (a test watches it being collected after unload).</summary>
    internal WeakReference? LoadContextOf(string name)
    {
        lock (_entries) return _entries.TryGetValue(name, out var entry) ? entry.Loaded?.LoadContext : null;
    }

    private void LoadAllLocked()
    {
        if (_loaded) return;
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
            LoadEntry(entry, folder, entry.Fingerprint);
        }
        foreach (var name in _enabled ?? [])
        {
            if (present.ContainsKey(name)) continue;
            var entry = AddEntry(name);
            Fail(entry, $"selected by Kernel:Plugins but there is no folder {Path.Combine(_options.PluginsDirectory, name)}");
        }
        Recompute();
    }

    private void LoadEntry(PluginEntry entry, string folder, string fingerprint)
    {
        entry.Fingerprint = fingerprint;
        try
        {
            var loaded = _composer.Load(entry.Name, folder);
            entry.Loaded = loaded;
            entry.Version = loaded.Metadata.Version;
            entry.SdkVersion = PluginAssemblyCheck.Format(loaded.SdkVersion);
            entry.Set(PluginState.Loaded, null);
            _logger.LogInformation("plugin {Plugin} {Version} loaded (SDK {SdkVersion})", entry.Name, entry.Version, entry.SdkVersion);
        }
        catch (PluginLoadException e)
        {
            Fail(entry, e.Message);
        }
    }

    private async Task StartEntryAsync(PluginEntry entry, CancellationToken cancellationToken)
    {
        var loaded = entry.Loaded!;
        var dataDirectory = Path.Combine(_options.DataDirectory, "plugins", entry.Name);
        var started = new List<IModule>();
        try
        {
            Directory.CreateDirectory(dataDirectory);
            var context = CreateContext(entry.Name, loaded, dataDirectory);
            foreach (var module in loaded.Modules)
            {
                await module.StartAsync(context, cancellationToken);
                started.Add(module);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            started.Reverse();
            foreach (var module in started) await StopModuleAsync(entry.Name, module, CancellationToken.None);
            await DrainConnectionsAsync(entry.Name, loaded, CancellationToken.None);
            DisposeLoaded(entry, PluginState.Failed, "StartAsync threw: " + PluginComposer.OneLine(e));
            _logger.LogError(e, "plugin {Plugin} failed: {Reason}", entry.Name, entry.Reason);
            return;
        }
        entry.Set(PluginState.Active, null);
        _startOrder.Remove(entry.Name);
        _startOrder.Add(entry.Name);
        _logger.LogInformation("plugin {Plugin} {Version} active", entry.Name, entry.Version);
        _bus.Publish(new PluginLoaded(entry.Name, entry.Version ?? ""));
    }

    private async Task UnloadEntryAsync(PluginEntry entry, string reason, CancellationToken cancellationToken)
    {
        var loaded = entry.Loaded;
        if (loaded is null) return;
        var wasActive = entry.State == PluginState.Active;
        if (wasActive)
        {
            // Listeners first (design.md): stop accepting, let connections in flight finish, then stop the modules.
            await DrainConnectionsAsync(entry.Name, loaded, cancellationToken);
            foreach (var module in loaded.Modules.Reverse()) await StopModuleAsync(entry.Name, module, cancellationToken);
        }
        _startOrder.Remove(entry.Name);
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
            await module.StopAsync(deadline.Token).WaitAsync(deadline.Token);
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
        LoadedPlugin next;
        try
        {
            next = _composer.Load(entry.Name, folder);
        }
        catch (PluginLoadException e)
        {
            _logger.LogError("plugin {Plugin}: the replacement does not load ({Reason}); version {Version} keeps serving", entry.Name, e.Message, oldVersion);
            return;
        }
        var started = new List<IModule>();
        try
        {
            var dataDirectory = Path.Combine(_options.DataDirectory, "plugins", entry.Name);
            Directory.CreateDirectory(dataDirectory);
            var context = CreateContext(entry.Name, next, dataDirectory);
            foreach (var module in next.Modules)
            {
                await module.StartAsync(context, cancellationToken);
                started.Add(module);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            started.Reverse();
            foreach (var module in started) await StopModuleAsync(entry.Name, module, CancellationToken.None);
            await DrainConnectionsAsync(entry.Name, next, CancellationToken.None);
            next.Dispose();
            _logger.LogError(e, "plugin {Plugin}: the replacement failed to start ({Reason}); version {Version} keeps serving", entry.Name, PluginComposer.OneLine(e), oldVersion);
            return;
        }
        entry.Loaded = next;
        entry.Version = next.Metadata.Version;
        entry.SdkVersion = PluginAssemblyCheck.Format(next.SdkVersion);
        entry.Set(PluginState.Active, null);
        Recompute();
        _logger.LogInformation("plugin {Plugin} {Version} active, replacing {OldVersion}", entry.Name, entry.Version, oldVersion);
        await DrainConnectionsAsync(entry.Name, old, cancellationToken);
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
                await ScanAsync(cancellationToken);
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

    /// <summary>Rebuilds the extension snapshot from the plugins that are loaded or active. Choices come from configuration, never load order.</summary>
    private void Recompute()
    {
        var live = SnapshotEntries().Where(e => e.Loaded is not null && e.State is PluginState.Loaded or PluginState.Active).ToArray();
        var router = Choose("Router", _options.Router, live.SelectMany(e => e.Loaded!.Routers.Select(r => (e.Name, r))).ToArray()) ?? _defaultRouter;
        var rules = Choose("Rules", _options.Rules, live.SelectMany(e => e.Loaded!.RuleEngines.Select(r => (e.Name, r))).ToArray());
        Volatile.Write(ref _extensions, new Extensions(
            router,
            rules,
            live.SelectMany(e => e.Loaded!.MailTransports).ToArray(),
            live.SelectMany(e => e.Loaded!.SignalTransports).ToArray(),
            live.SelectMany(e => e.Loaded!.CliCommands).ToArray()));
    }

    private T? Choose<T>(string point, string? configured, IReadOnlyList<(string Plugin, T Export)> candidates) where T : class
    {
        if (configured is not null)
        {
            var chosen = candidates.Where(c => string.Equals(c.Plugin, configured, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (chosen.Length >= 1) return chosen[0].Export;
            if (candidates.Count > 0)
                _logger.LogWarning("Kernel:{Point} names {Plugin}, which is not loaded or does not fill it; using the kernel default", point, configured);
            return null;
        }
        if (candidates.Count == 1) return candidates[0].Export;
        if (candidates.Count > 1)
            _logger.LogWarning("several plugins fill {Point} ({Plugins}); name one with Kernel:{Point}; using the kernel default",
                point, string.Join(", ", candidates.Select(c => c.Plugin).Distinct()), point);
        return null;
    }

    private void RecordStates()
    {
        if (_stateTable is null) return;
        try
        {
            _stateTable.Replace(Plugins);
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

        public PluginStatus Status => new(Name, State, Version, SdkVersion, Reason);

        public void Set(PluginState state, string? reason)
        {
            State = state;
            Reason = reason;
        }
    }
}
