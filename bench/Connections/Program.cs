using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// connections-bench HOST:PORT CLIENTS SECONDS [QUERY]
// Each of CLIENTS loops for SECONDS: connect, send one finger query line, read the answer until the server closes,
// close. Prints one line: completed connections per second, failures, and the answer seen.
if (args.Length < 3 || !IPEndPoint.TryParse(args[0], out var server)
    || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var clients) || !double.TryParse(args[2], CultureInfo.InvariantCulture, out var seconds))
{
    Console.Error.WriteLine("usage: connections-bench HOST:PORT CLIENTS SECONDS [QUERY]");
    return 2;
}
var query = Encoding.ASCII.GetBytes((args.Length > 3 ? args[3] : "alice") + "\r\n");
long completed = 0, failed = 0;
string? sample = null;
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var clock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
{
    var buffer = new byte[1024];
    while (!stop.IsCancellationRequested)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server);
            await socket.SendAsync(query, SocketFlags.None);
            var total = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None);
                if (read == 0) break;
                total = Math.Min(total + read, buffer.Length - 1);
            }
            sample ??= Encoding.ASCII.GetString(buffer, 0, total);
            Interlocked.Increment(ref completed);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref failed);
        }
    }
})));
var elapsed = clock.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"clients={clients} seconds={elapsed:F1} connections={completed} failed={failed} connections/s={completed / elapsed:F0} answer={(sample ?? "").ReplaceLineEndings("|")}"));
return failed == 0 ? 0 : 1;
