using System.Buffers;
using System.Net.Sockets;

namespace Kernel.Connections;

/// <summary>
/// Closing a TCP connection so the client reads everything sent before the end: half-close (FIN), then read and
/// discard what the client still sends until it closes too, bounded in bytes and time. Closing with unread input
/// instead makes the kernel send a reset, and the client may lose the last reply (a refusal line, a 221).
/// </summary>
internal static class GracefulClose
{
    /// <summary>How long a closing connection waits for the client's FIN.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);

    private const int MaxDiscard = 64 * 1024;

    /// <summary>Refusals lingering at once; beyond this (a flood), refused sockets are closed at once.</summary>
    private const int MaxLingeringRefusals = 256;

    private static int _lingeringRefusals;

    /// <summary>Writes <paramref name="reply"/> to a connection refused by a limit and closes it gracefully (in the background).</summary>
    public static void Refuse(Socket socket, ReadOnlyMemory<byte> reply)
    {
        if (Interlocked.Increment(ref _lingeringRefusals) > MaxLingeringRefusals)
        {
            Interlocked.Decrement(ref _lingeringRefusals);
            socket.Dispose();
            return;
        }
        _ = RefuseAsync(socket, reply);
    }

    private static async Task RefuseAsync(Socket socket, ReadOnlyMemory<byte> reply)
    {
        try
        {
            if (!reply.IsEmpty)
            {
                using var timeout = new CancellationTokenSource(Linger);
                await socket.SendAsync(reply, SocketFlags.None, timeout.Token);
            }
            await LingerAsync(socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            socket.Dispose();
            Interlocked.Decrement(ref _lingeringRefusals);
        }
    }

    /// <summary>Half-closes, then discards input until the client closes (bounded). The caller disposes the socket.</summary>
    public static async Task LingerAsync(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        var receiver = new QuietReceiver(buffer);
        try
        {
            using var timeout = new CancellationTokenSource(Linger);
            for (var total = 0; total < MaxDiscard;)
            {
                int read;
                try
                {
                    read = await receiver.ReceiveAsync(socket).WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // Still pending: the caller's dispose of the socket ends it; the event args are freed when it does.
                    receiver = null;
                    return;
                }
                if (read <= 0) return; // the client's FIN, its reset, or the socket went away
                total += read;
            }
        }
        finally
        {
            receiver?.Dispose();
            if (receiver is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A receive that reports a reset as the end instead of throwing. Many clients end a session with a reset
    /// (SO_LINGER 0 after the 221, as Postfix's smtp-source does): a SocketException per connection made the linger
    /// about a quarter of the kernel's CPU under the one-message-per-connection SMTP bench (bench/Smtp/RESULTS.md,
    /// 2026-12-03 23:13Z), exception unwinding and stack-trace work for the normal end of a session.
    /// </summary>
    internal sealed class QuietReceiver : SocketAsyncEventArgs
    {
        private TaskCompletionSource<int>? _done;

        public QuietReceiver(byte[] buffer) : base(unsafeSuppressExecutionContextFlow: true) => SetBuffer(buffer, 0, buffer.Length);

        /// <summary>Bytes read; 0 at the client's FIN; -1 on a reset or any other socket error.</summary>
        public Task<int> ReceiveAsync(Socket socket)
        {
            _done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                if (!socket.ReceiveAsync(this)) OnCompleted(this);
            }
            catch (ObjectDisposedException)
            {
                _done.TrySetResult(-1);
            }
            return _done.Task;
        }

        protected override void OnCompleted(SocketAsyncEventArgs e) =>
            _done!.TrySetResult(e.SocketError == SocketError.Success ? e.BytesTransferred : -1);
    }
}
