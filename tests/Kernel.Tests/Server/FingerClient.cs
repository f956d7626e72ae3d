using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kernel.Tests.Server;

/// <summary>A raw RFC 1288 client: one query line, read the answer until the server closes (bounded).</summary>
public static class FingerClient
{
    public static async Task<string> QueryAsync(IPEndPoint endPoint, string query, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(endPoint, cts.Token);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(query + "\r\n"), cts.Token);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, cts.Token);
        return Encoding.ASCII.GetString(answer.ToArray());
    }

    /// <summary>True when nothing listens at the endpoint any more (the connection is refused).</summary>
    public static async Task<bool> IsRefusedAsync(IPEndPoint endPoint)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(endPoint, cts.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }
}
