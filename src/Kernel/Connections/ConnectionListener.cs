using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Kernel.Abstractions;
using Kernel.Tls;
using Microsoft.Extensions.Logging;

namespace Kernel.Connections;

/// <summary>
/// One <see cref="IConnectionHost.Listen"/> of one plugin version: admits connections within the limits, runs the
/// handler for each, closes idle ones, and drains on dispose (stop accepting unless a successor owns the sockets,
/// fire the handlers' token, wait up to the deadline, abort the rest).
/// </summary>
internal sealed class ConnectionListener : IConnectionListener
{
    /// <summary>The drain bound when a plugin disposes a listener itself; the kernel passes its stop deadline instead.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(10);

    private readonly ConnectionServer _server;
    private readonly ListenerSockets _sockets;
    private readonly ConnectionListenerOptions _options;
    private readonly ServerCertificates _certificates;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TcpConnection, byte> _active = new();
    private readonly CancellationTokenSource _draining = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private ConnectionHandler? _handler;
    private Task? _drain;
    private bool _isDraining;

    public ConnectionListener(ConnectionServer server, PluginConnectionHost host, ListenerSockets sockets, ConnectionListenerOptions options,
        ConnectionHandler handler, ServerCertificates certificates, ILogger logger)
    {
        _server = server;
        Host = host;
        _sockets = sockets;
        _options = options;
        _handler = handler;
        _certificates = certificates;
        _logger = logger;
        using (ExecutionContext.SuppressFlow()) _ = Task.Run(SweepIdleAsync);
    }

    public PluginConnectionHost Host { get; }

    public string? Role => _options.Role;

    public IReadOnlyList<IPEndPoint> EndPoints => _sockets.EndPoints;

    /// <summary>The options in force (the plugin's, with the operator's overrides applied).</summary>
    public ConnectionListenerOptions Options => _options;

    public int ActiveConnections => _active.Count;

    /// <summary>Called by the accept loop for each accepted socket.</summary>
    public void Accept(Socket client)
    {
        IPEndPoint remote;
        try
        {
            client.NoDelay = true;
            remote = (IPEndPoint)client.RemoteEndPoint!;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            client.Dispose();
            return;
        }
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        TcpConnection? connection = null;
        ConnectionListener? successor = null;
        var refused = ConnectionLimit.None;
        lock (_gate)
        {
            if (_isDraining)
            {
                // Accepted a moment before an upgrade handed the sockets on: the new version serves it.
                successor = _sockets.Owner is { } owner && owner != this ? owner : null;
            }
            else
            {
                refused = _sockets.Counts.TryAdd(address, _options.MaxConnections, _options.MaxConnectionsPerIp);
                if (refused == ConnectionLimit.None)
                {
                    connection = new TcpConnection(_server.NextConnectionId(), _options.Role, client, _certificates);
                    _active[connection] = 0;
                }
            }
        }
        if (successor is not null)
        {
            successor.Accept(client);
            return;
        }
        if (connection is null)
        {
            _logger.LogDebug("refused a connection from {Remote} on {Listener}: {Limit} limit reached", address, _sockets.DisplayName,
                refused == ConnectionLimit.PerAddress ? "per-address" : "total");
            GracefulClose.Refuse(client, _options.RefusalReply);
            return;
        }
        _ = Task.Run(() => RunAsync(connection, address));
    }

    public ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(DefaultDrainTimeout);
        return new ValueTask(DrainAsync(deadline.Token));
    }

    /// <summary>Stops accepting (unless a newer version owns the sockets), fires the handlers' token, waits until <paramref name="deadline"/>, then aborts.</summary>
    public Task DrainAsync(CancellationToken deadline)
    {
        lock (_gate) return _drain ??= DrainCoreAsync(deadline);
    }

    private async Task DrainCoreAsync(CancellationToken deadline)
    {
        await Task.Yield();
        _server.Release(_sockets, this);
        lock (_gate)
        {
            _isDraining = true;
            if (_active.IsEmpty) _drained.TrySetResult();
        }
        try
        {
            await _draining.CancelAsync();
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "a handler's cancellation callback on {Listener} threw", _sockets.DisplayName);
        }
        try
        {
            await _drained.Task.WaitAsync(deadline);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("{Count} connections on {Listener} still open at the stop deadline; closing them", _active.Count, _sockets.DisplayName);
            foreach (var connection in _active.Keys) connection.Abort();
            try
            {
                await _drained.Task.WaitAsync(GracefulClose.Linger);
            }
            catch (TimeoutException)
            {
                _logger.LogWarning("{Count} handlers on {Listener} ignore their closed connection", _active.Count, _sockets.DisplayName);
            }
        }
        // Nothing of the plugin stays reachable from the kernel: its load context can be collected.
        _handler = null;
    }

    private async Task RunAsync(TcpConnection connection, IPAddress address)
    {
        try
        {
            if (_options.ImplicitTls) await connection.AuthenticateAsync(_draining.Token);
            var handler = _handler;
            if (handler is not null) await handler(connection, _draining.Token);
        }
        catch (Exception e) when (IsConnectionEnd(e, connection))
        {
            _logger.LogDebug("connection {ConnectionId} from {Remote} on {Listener} ended: {Reason}", connection.Id, connection.RemoteEndPoint, _sockets.DisplayName, e.Message);
        }
        catch (Exception e)
        {
            // Logged against the plugin for the operator; the client only sees the connection close.
            _logger.LogError(e, "the handler of {Listener} failed on connection {ConnectionId} from {Remote}", _sockets.DisplayName, connection.Id, connection.RemoteEndPoint);
        }
        finally
        {
            try
            {
                await connection.CloseAsync();
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "closing connection {ConnectionId} failed", connection.Id);
            }
            _sockets.Counts.Remove(address);
            lock (_gate)
            {
                _active.TryRemove(connection, out _);
                if (_isDraining && _active.IsEmpty) _drained.TrySetResult();
            }
        }
    }

    /// <summary>The peer went away, the kernel closed it (idle, drain), or a TLS handshake failed: not the plugin's fault.</summary>
    private bool IsConnectionEnd(Exception e, TcpConnection connection) =>
        e is IOException or SocketException or AuthenticationException
        || (e is OperationCanceledException && (_draining.IsCancellationRequested || connection.IsClosing))
        || (e is ObjectDisposedException && connection.IsClosing);

    /// <summary>Closes connections with no byte in either direction for the idle timeout; checks a few times per timeout, at most once a second.</summary>
    private async Task SweepIdleAsync()
    {
        var timeoutMs = (long)_options.IdleTimeout.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(timeoutMs / 4, 50, 1000));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_draining.Token))
            {
                var now = Environment.TickCount64;
                foreach (var connection in _active.Keys)
                {
                    if (!connection.IsClosing && now - connection.LastActivity >= timeoutMs)
                    {
                        _logger.LogDebug("connection {ConnectionId} from {Remote} on {Listener} idle for {Timeout}; closing", connection.Id, connection.RemoteEndPoint, _sockets.DisplayName, _options.IdleTimeout);
                        _ = connection.CloseIdleAsync(_options.IdleTimeoutReply);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
