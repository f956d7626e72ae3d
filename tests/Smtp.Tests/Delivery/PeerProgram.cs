using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Smtp.Tests.Delivery;

/// <summary>
/// A program nobody here wrote (dnsmasq, Postfix's smtp-sink) run for a test class: found on PATH or in /usr/sbin,
/// started with its output captured, killed on dispose. Missing means scripts/install-test-deps.sh was not run: the
/// test fails, it never skips.
/// </summary>
public sealed class PeerProgram : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private PeerProgram(Process process) => _process = process;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static PeerProgram Start(string program, IEnumerable<string> arguments)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"])
            .Select(f => Path.Combine(f, program)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{program} is not installed: run scripts/install-test-deps.sh");
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var peer = new PeerProgram(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (peer._output) peer._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (peer._output) peer._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>dnsmasq answering only <paramref name="records"/> on 127.0.0.1 and a free UDP port (no upstream, no hosts file).</summary>
    public static (PeerProgram Process, int Port) Dnsmasq(IEnumerable<string> records)
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        probe.Dispose();
        var dns = Start("dnsmasq", new[]
        {
            "--no-daemon", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
            "--conf-file=/dev/null", "--pid-file=", "--log-facility=-", "--local-ttl=0",
        }.Concat(records));
        dns.WaitFor(() => dns.Output.Contains("started, version", StringComparison.Ordinal), "dnsmasq");
        return (dns, port);
    }

    /// <summary>
    /// smtp-sink on <paramref name="endPoint"/>, dumping every transaction into its own file under <paramref name="dumpFolder"/>
    /// (X-Mail-Args / X-Rcpt-Args lines, then the message). As root it must drop to a user (-u), who must be able to write there.
    /// </summary>
    public static PeerProgram SmtpSink(IPEndPoint endPoint, string dumpFolder)
    {
        Directory.CreateDirectory(dumpFolder);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dumpFolder, (UnixFileMode)0x1FF); // smtp-sink writes as -u nobody
        var args = new List<string>();
        if (Environment.UserName == "root") args.AddRange(["-u", "nobody"]);
        args.AddRange(["-h", "sink.test", "-d", Path.Combine(dumpFolder, "msg."), $"{endPoint.Address}:{endPoint.Port}", "16"]);
        var sink = Start("smtp-sink", args);
        sink.WaitFor(() => Listens(endPoint), "smtp-sink");
        return sink;
    }

    private static bool Listens(IPEndPoint endPoint)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void WaitFor(Func<bool> ready, string what)
    {
        for (var i = 0; i < 100; i++)
        {
            if (ready()) return;
            if (_process.HasExited) break;
            Thread.Sleep(100);
        }
        Dispose();
        throw new InvalidOperationException($"{what} did not start: {Output}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
