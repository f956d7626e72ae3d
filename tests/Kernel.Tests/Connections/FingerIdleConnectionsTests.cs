using System.Net.Sockets;
using System.Text.RegularExpressions;
using Kernel.Testing;
using Kernel.Tests.Server;
using Xunit.Abstractions;

namespace Kernel.Tests.Connections;

/// <summary>
/// Issue 7 §1 "Done when": 1,000 concurrent idle connections against the Finger sample in a real server process stay
/// within bounded memory (the server's RSS growth per connection is reported) and are all dropped at the idle timeout.
/// </summary>
public sealed partial class FingerIdleConnectionsTests(ITestOutputHelper output)
{
    private const int Connections = 1000;
    private const int IdleSeconds = 4;

    [Fact]
    public async Task A_thousand_idle_connections_cost_little_and_are_dropped_at_the_idle_timeout()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Finger"],
            Settings = new Dictionary<string, string>
            {
                ["Finger:Listen:0"] = "127.0.0.1:0",
                ["Finger:IdleTimeoutSeconds"] = IdleSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Finger:MaxConnections"] = "2000",
                ["Finger:MaxConnectionsPerIp"] = "2000",
            },
        });
        var finger = kernel.Listener("finger");
        // Warm up the accept path and the handler, so the baseline holds the code and pools a connection needs.
        for (var i = 0; i < 50; i++) await FingerClient.QueryAsync(finger, "nobody");
        await Task.Delay(500);
        var before = RssKiB(kernel.ProcessId);

        var clients = new List<Socket>();
        try
        {
            var opened = DateTime.UtcNow;
            for (var batch = 0; batch < Connections / 100; batch++)
            {
                var sockets = Enumerable.Range(0, 100).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToArray();
                clients.AddRange(sockets);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Task.WhenAll(sockets.Select(s => s.ConnectAsync(finger, timeout.Token).AsTask()));
            }
            var allOpen = DateTime.UtcNow;
            await Task.Delay(500); // let the server accept and park every connection
            var after = RssKiB(kernel.ProcessId);
            var perConnection = (after - before) / (double)Connections;
            output.WriteLine($"server RSS {before} KiB before, {after} KiB with {Connections} idle connections: {perConnection:F1} KiB per connection (opened in {(allOpen - opened).TotalMilliseconds:F0} ms)");
            Assert.True(perConnection < 64, $"{perConnection:F1} KiB per idle connection");

            // Every one ends with a clean end of stream (no reset) once idle for the timeout.
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(IdleSeconds + 20));
            var closes = await Task.WhenAll(clients.Select(async s =>
            {
                try
                {
                    var read = await s.ReceiveAsync(new byte[16], SocketFlags.None, bound.Token);
                    return (Clean: read == 0, At: DateTime.UtcNow);
                }
                catch (SocketException)
                {
                    return (Clean: false, At: DateTime.UtcNow);
                }
            }));
            var last = closes.Max(c => c.At);
            var first = closes.Min(c => c.At);
            output.WriteLine($"dropped {closes.Count(c => c.Clean)} cleanly between {(first - opened).TotalSeconds:F1} s and {(last - opened).TotalSeconds:F1} s after the first connect (idle timeout {IdleSeconds} s)");
            Assert.Equal(Connections, closes.Count(c => c.Clean));
            Assert.True(first - opened >= TimeSpan.FromSeconds(IdleSeconds - 0.5), "dropped before the idle timeout");
            Assert.True(last - allOpen <= TimeSpan.FromSeconds(IdleSeconds + 5), "not dropped soon after the idle timeout");
        }
        finally
        {
            foreach (var socket in clients) socket.Dispose();
        }
    }

    private static long RssKiB(int pid)
    {
        var status = File.ReadAllText($"/proc/{pid}/status");
        return long.Parse(RssLine().Match(status).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"VmRSS:\s+(\d+) kB")]
    private static partial Regex RssLine();
}
