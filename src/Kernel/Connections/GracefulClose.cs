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
        try
        {
            using var timeout = new CancellationTokenSource(Linger);
            for (var total = 0; total < MaxDiscard;)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0) return;
                total += read;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
