using System.Net;
using Microsoft.Extensions.Logging;

namespace Smtp.Delivery;

/// <summary>
/// Open client sessions per remote address and port: at most <see cref="DeliverySettings.MaxConnectionsPerTarget"/>
/// connections (idle or busy) to one target; an idle session is reused for the next message (RSET first) and sent QUIT
/// after <see cref="DeliverySettings.IdleTime"/>. A caller either gets an idle session or the right to open a new
/// connection (a slot), or waits for one of the two.
/// </summary>
internal sealed class SessionPool : IAsyncDisposable
{
    private readonly Dictionary<IPEndPoint, Slots> _targets = [];
    private readonly Lock _gate = new();
    private readonly Func<DeliverySettings> _settings;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;
    private readonly TimeProvider _time;
    private bool _disposed;

    public SessionPool(Func<DeliverySettings> settings, ILogger logger, TimeProvider time)
    {
        _settings = settings;
        _logger = logger;
        _time = time;
        _sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>An idle session for <paramref name="endPoint"/> if there is one (Session set), else a slot to connect (Session null).</summary>
    public async Task<ClientSession?> AcquireAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        TaskCompletionSource<ClientSession?> waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var slots = SlotsOf(endPoint);
            if (slots.Idle.Count > 0)
            {
                var idle = slots.Idle[^1];
                slots.Idle.RemoveAt(slots.Idle.Count - 1);
                return idle.Session;
            }
            if (slots.Open < _settings().MaxConnectionsPerTarget)
            {
                slots.Open++;
                return null;
            }
            waiter = new TaskCompletionSource<ClientSession?>(TaskCreationOptions.RunContinuationsAsynchronously);
            slots.Waiters.Enqueue(waiter);
        }
        using var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
        try
        {
            return await waiter.Task;
        }
        catch (OperationCanceledException)
        {
            // A hand-over may have raced the cancellation: give back what we were handed.
            if (waiter.Task.IsCompletedSuccessfully) Release(endPoint, waiter.Task.Result);
            throw;
        }
    }

    /// <summary>Gives back a slot or a session: a usable session waits idle (or goes to a waiter); anything else frees its slot.</summary>
    public void Release(IPEndPoint endPoint, ClientSession? session)
    {
        ClientSession? close = null;
        lock (_gate)
        {
            var slots = SlotsOf(endPoint);
            if (session is { Usable: true } && !_disposed)
            {
                while (slots.Waiters.TryDequeue(out var w))
                {
                    if (w.TrySetResult(session)) return;
                }
                slots.Idle.Add(new IdleSession(session, _time.GetUtcNow()));
                return;
            }
            close = session;
            // The slot passes to a waiter, who connects anew, or is freed.
            var handed = false;
            while (slots.Waiters.TryDequeue(out var w))
            {
                if (w.TrySetResult(null)) { handed = true; break; }
            }
            if (!handed) slots.Open--;
            if (slots.Open == 0 && slots.Idle.Count == 0 && slots.Waiters.Count == 0) _targets.Remove(endPoint);
        }
        if (close is not null) _ = CloseAsync(close, quit: false);
    }

    /// <summary>Closes the sessions idle for longer than the idle time (QUIT first, RFC 5321 §4.1.1.10).</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var idleTime = _settings().IdleTime;
        List<ClientSession>? expired = null;
        lock (_gate)
        {
            foreach (var (endPoint, slots) in _targets.ToList())
            {
                for (var i = slots.Idle.Count - 1; i >= 0; i--)
                {
                    if (now - slots.Idle[i].Since < idleTime) continue;
                    (expired ??= []).Add(slots.Idle[i].Session);
                    slots.Idle.RemoveAt(i);
                    slots.Open--;
                }
                if (slots.Open == 0 && slots.Waiters.Count == 0) _targets.Remove(endPoint);
            }
        }
        if (expired is null) return;
        foreach (var session in expired) _ = CloseAsync(session, quit: true);
    }

    private async Task CloseAsync(ClientSession session, bool quit)
    {
        try
        {
            if (quit)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await session.QuitAsync(deadline.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("QUIT to {Remote} failed: {Reason}", session.RemoteHost, e.Message);
        }
        finally
        {
            try
            {
                await session.DisposeAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                _logger.LogDebug("closing the connection to {Remote}: {Reason}", session.RemoteHost, e.Message);
            }
        }
    }

    private Slots SlotsOf(IPEndPoint endPoint)
    {
        if (!_targets.TryGetValue(endPoint, out var slots)) _targets[endPoint] = slots = new Slots();
        return slots;
    }

    /// <summary>How many connections are open to <paramref name="endPoint"/> (for tests and logs).</summary>
    internal int OpenCount(IPEndPoint endPoint)
    {
        lock (_gate) return _targets.TryGetValue(endPoint, out var slots) ? slots.Open : 0;
    }

    public async ValueTask DisposeAsync()
    {
        List<ClientSession> idle;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            idle = _targets.Values.SelectMany(s => s.Idle.Select(i => i.Session)).ToList();
            foreach (var slots in _targets.Values)
            {
                while (slots.Waiters.TryDequeue(out var w)) w.TrySetCanceled();
            }
            _targets.Clear();
        }
        await _sweeper.DisposeAsync();
        await Task.WhenAll(idle.Select(s => CloseAsync(s, quit: true)));
    }

    private sealed record IdleSession(ClientSession Session, DateTimeOffset Since);

    private sealed class Slots
    {
        public int Open;
        public readonly List<IdleSession> Idle = [];
        public readonly Queue<TaskCompletionSource<ClientSession?>> Waiters = new();
    }
}
