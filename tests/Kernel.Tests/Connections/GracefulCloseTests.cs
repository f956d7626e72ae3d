using System.Net;
using System.Net.Sockets;
using Kernel.Connections;

namespace Kernel.Tests.Connections;

/// <summary>
/// The closing linger's receive (<see cref="GracefulClose.QuietReceiver"/>): data, the client's FIN and the client's
/// reset are results, not exceptions (a client closing with SO_LINGER 0 after the 221 is the normal end of a session),
/// and the linger itself ends on either.
/// </summary>
public sealed class GracefulCloseTests
{
    [Fact]
    public async Task Receive_reports_data_then_the_clients_fin()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        using (var receiver = new GracefulClose.QuietReceiver(new byte[64]))
        {
            await client.SendAsync("QUIT\r\n"u8.ToArray());
            Assert.Equal(6, await receiver.ReceiveAsync(server));
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await receiver.ReceiveAsync(server));
        }
    }

    [Fact]
    public async Task Receive_reports_a_reset_as_minus_one_instead_of_throwing()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (var receiver = new GracefulClose.QuietReceiver(new byte[64]))
        {
            var pending = receiver.ReceiveAsync(server);
            Reset(client);
            Assert.Equal(-1, await pending);
        }
    }

    [Fact]
    public async Task Linger_sends_fin_and_ends_when_the_client_resets()
    {
        var (server, client) = await PairAsync();
        using (server)
        {
            var linger = GracefulClose.LingerAsync(server);
            // The client sees our FIN (end of stream), then closes as smtp-source does: a reset.
            Assert.Equal(0, await client.ReceiveAsync(new byte[16]));
            Reset(client);
            await linger; // no exception, and it does not wait for the 2 s linger bound
            Assert.True(linger.IsCompletedSuccessfully);
        }
    }

    [Fact]
    public async Task Linger_ends_on_the_clients_fin_after_discarding_its_input()
    {
        var (server, client) = await PairAsync();
        using (server)
        using (client)
        {
            await client.SendAsync(new byte[3000]);
            var linger = GracefulClose.LingerAsync(server);
            client.Shutdown(SocketShutdown.Send);
            await linger;
            Assert.True(linger.IsCompletedSuccessfully);
        }
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task<(Socket Server, Socket Client)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        return (server, client);
    }
}
