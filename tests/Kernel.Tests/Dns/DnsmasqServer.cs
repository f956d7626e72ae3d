using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kernel.Tests.Dns;

/// <summary>
/// A real dnsmasq on 127.0.0.1 and a free UDP port, answering only the records the test gives it. Fails (never skips)
/// when dnsmasq is not installed; stops the process it started on dispose.
/// </summary>
public sealed class DnsmasqServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly Process _process;

    private DnsmasqServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public static DnsmasqServer Start(IEnumerable<string> records)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("dnsmasq is not installed (apt-get install -y dnsmasq): the DNS tests need it");
        var recordArgs = records.ToList();
        Exception? last = null;
        // A free port can be taken between probing and binding; try a few.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreeUdpPort();
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--no-daemon", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--conf-file=/dev/null", "--pid-file=", "--log-facility=-", "--local-ttl=0",
            }.Concat(recordArgs))
            {
                info.ArgumentList.Add(arg);
            }
            var process = Process.Start(info) ?? throw new InvalidOperationException("dnsmasq did not start");
            _ = process.StandardOutput.ReadToEndAsync();
            var stderr = new System.Text.StringBuilder();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stderr) stderr.AppendLine(e.Data);
                if (e.Data.Contains("started, version", StringComparison.Ordinal)) started.TrySetResult();
            };
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            var done = Task.WaitAny([started.Task, exited], StartTimeout);
            if (done == 0 && !process.HasExited && Answers(port))
                return new DnsmasqServer(process, port);
            Stop(process);
            lock (stderr) last = new InvalidOperationException($"dnsmasq on port {port} did not start: {stderr}");
        }
        throw last!;
    }

    public void Dispose() => Stop(_process);

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill();
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }

    // dnsmasq logs "started" as it binds; make sure it answers before the test runs (a query for the root NS).
    private static bool Answers(int port)
    {
        byte[] query = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01];
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        udp.Client.ReceiveTimeout = 500;
        for (var i = 0; i < 20; i++)
        {
            try
            {
                udp.Send(query, query.Length, new IPEndPoint(IPAddress.Loopback, port));
                IPEndPoint? from = null;
                var reply = udp.Receive(ref from);
                if (reply.Length >= 2 && reply[0] == 0x12 && reply[1] == 0x34) return true;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        return false;
    }

    private static int FreeUdpPort()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
    }

    private static string? FindExecutable()
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]);
        return folders.Select(f => Path.Combine(f, "dnsmasq")).FirstOrDefault(File.Exists);
    }
}
