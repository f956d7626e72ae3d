using System.Net;
using Kernel.Abstractions;
using Kernel.Listeners;
using Kernel.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Connections;

/// <summary>
/// The kernel's TCP server for every plugin (issue 7 §1): owns the listening sockets, keyed by plugin and role, and
/// hands each plugin version a <see cref="PluginConnectionHost"/>. When a newer version listens on a role with the
/// same configured endpoints while the old one still serves it, the sockets change owner instead of being closed and
/// bound again — the upgrade without a refused connection.
/// </summary>
public sealed class ConnectionServer
{
    private readonly ListenerRegistry _registry;
    private readonly ServerCertificates _certificates;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<ListenerSockets> _bound = [];
    private long _nextId;

    public ConnectionServer(ListenerRegistry registry, ServerCertificates certificates, ILoggerFactory loggerFactory)
    {
        _registry = registry;
        _certificates = certificates;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ConnectionServer>();
    }

    /// <summary>The connection host a plugin version gets in its <see cref="IModuleContext"/>.</summary>
    public PluginConnectionHost CreateHost(string plugin, IConfiguration configuration) =>
        new(this, plugin, configuration, _loggerFactory.CreateLogger("Plugin." + plugin));

    internal string NextConnectionId() => Interlocked.Increment(ref _nextId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    internal ConnectionListener Listen(PluginConnectionHost host, ConnectionListenerOptions requested, ConnectionHandler handler)
    {
        var options = ListenerOverrides.Apply(requested, host.Configuration, host.Plugin);
        ListenerOverrides.Validate(options, host.Plugin);
        var configured = ListenerRegistry.ConfiguredEndPoints(host.Configuration, host.Plugin, options.Role, options.DefaultPort);
        lock (_bound)
        {
            var existing = _bound.FirstOrDefault(s => SameRole(s, host.Plugin, options.Role) && s.Owner is { } owner && owner.Host != host
                && s.Configured.SequenceEqual(configured));
            if (existing is not null)
            {
                var listener = new ConnectionListener(this, host, existing, options, handler, _certificates, host.Logger);
                existing.HandOver(listener);
                foreach (var endPoint in existing.EndPoints)
                    _logger.LogInformation("listening {Listener} {EndPoint} handed to the new version of {Plugin}", existing.DisplayName, endPoint, host.Plugin);
                return listener;
            }
            var sockets = ListenerSockets.Bind(host.Plugin, options.Role, configured, _logger);
            var created = new ConnectionListener(this, host, sockets, options, handler, _certificates, host.Logger);
            _bound.Add(sockets);
            _registry.Add(sockets.Bindings);
            foreach (var endPoint in sockets.EndPoints) _logger.LogInformation("listening {Listener} {EndPoint}", sockets.DisplayName, endPoint);
            sockets.Start(created);
            return created;
        }
    }

    /// <summary>A draining listener lets its sockets go: closed, unless a newer version owns them now.</summary>
    internal void Release(ListenerSockets sockets, ConnectionListener listener)
    {
        lock (_bound)
        {
            if (!sockets.CloseIfOwnedBy(listener)) return;
            _bound.Remove(sockets);
            _registry.Remove(sockets.Bindings);
        }
        foreach (var endPoint in sockets.EndPoints) _logger.LogInformation("closed {Listener} {EndPoint}", sockets.DisplayName, endPoint);
    }

    /// <summary>The endpoints bound for a plugin role (tests and diagnostics).</summary>
    public IReadOnlyList<IPEndPoint> EndPointsOf(string plugin, string? role)
    {
        lock (_bound) return _bound.Where(s => SameRole(s, plugin, role)).SelectMany(s => s.EndPoints).ToArray();
    }

    private static bool SameRole(ListenerSockets sockets, string plugin, string? role) =>
        string.Equals(sockets.Plugin, plugin, StringComparison.OrdinalIgnoreCase) && string.Equals(sockets.Role, role, StringComparison.OrdinalIgnoreCase);
}
