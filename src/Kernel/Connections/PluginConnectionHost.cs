using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Connections;

/// <summary>
/// <see cref="IModuleContext.Connections"/> for one started plugin version: its listeners, drained together when the
/// plugin stops, unloads, or hands over to a newer version.
/// </summary>
public sealed class PluginConnectionHost : IConnectionHost
{
    private readonly ConnectionServer _server;
    private readonly List<ConnectionListener> _listeners = [];
    private bool _closed;

    internal PluginConnectionHost(ConnectionServer server, string plugin, IConfiguration configuration, ILogger logger)
    {
        _server = server;
        Plugin = plugin;
        Configuration = configuration;
        Logger = logger;
    }

    public string Plugin { get; }

    internal IConfiguration Configuration { get; }

    /// <summary>Handler failures are logged under the plugin's name.</summary>
    internal ILogger Logger { get; }

    public IConnectionListener Listen(ConnectionListenerOptions options, ConnectionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_listeners)
        {
            if (_closed) throw new InvalidOperationException($"plugin {Plugin} is stopping; it cannot listen any more");
            if (_listeners.Any(l => string.Equals(l.Role, options.Role, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidOperationException($"plugin {Plugin} already listens on {(options.Role is null ? "its main service" : "role " + options.Role)}");
            var listener = _server.Listen(this, options, handler);
            _listeners.Add(listener);
            return listener;
        }
    }

    /// <summary>Drains every listener of this plugin version (see <see cref="ConnectionListener.DrainAsync"/>); no new listener after this.</summary>
    public async Task DrainAsync(CancellationToken deadline)
    {
        ConnectionListener[] listeners;
        lock (_listeners)
        {
            _closed = true;
            listeners = [.. _listeners];
            _listeners.Clear();
        }
        await Task.WhenAll(listeners.Select(l => l.DrainAsync(deadline)));
    }
}
