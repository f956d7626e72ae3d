using System.Net;
using System.Net.Sockets;
using Kernel.Testing;

namespace Smtp.Tests.Delivery;

/// <summary>
/// One running <c>kernel serve</c> (Router + Smtp) for the delivery end-to-end tests, with dnsmasq for the MX and A
/// records and a remote MTA per target: Postfix's smtp-sink where the remote only has to accept, and a scripted
/// <see cref="TcpSmtpPeer"/> where it must answer per recipient (450 beside 250) or collect the bounces. Every
/// MX-routed remote listens on the same free port <see cref="Port"/> (<c>Smtp:Delivery:Port</c>) on its own loopback address.
/// </summary>
public sealed class DeliveryServerFixture : IAsyncLifetime
{
    private readonly List<IDisposable> _programs = [];
    private readonly string _dumps = Path.Combine(Path.GetTempPath(), "smtp-out-" + Guid.NewGuid().ToString("N")[..8]);

    public KernelProcess Kernel { get; private set; } = null!;

    /// <summary>The port every MX- or literal-routed remote listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The sibling MTA's other port on 127.0.0.1 (<c>127.0.0.1.Q.via</c>).</summary>
    public int SiblingPort { get; private set; }

    public Dictionary<string, string> Sinks { get; } = [];

    /// <summary>The ODMR customer's own MTA (smtp-sink on 127.0.0.1) that fetchmail relays the turned session to.</summary>
    public int OdmrCustomerPort { get; private set; }

    /// <summary>The kernel's own SMTP listener (MTA role).</summary>
    public IPEndPoint Smtp => Kernel.Listener("smtp");

    /// <summary>The kernel's ODMR listener (ATRN, RFC 2645).</summary>
    public IPEndPoint Odmr => Kernel.Listener("smtp/odmr");

    public TcpSmtpPeer Mixed { get; private set; } = null!;

    public TcpSmtpPeer Collector { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Port = FreePort();
        SiblingPort = FreePort();
        var (dns, dnsPort) = PeerProgram.Dnsmasq(
        [
            "--local=/test/",
            "--mx-host=friend.test,mx.friend.test,10", "--host-record=mx.friend.test,127.0.0.5",
            "--mx-host=firewall.test,fw.firewall.test,10", "--host-record=fw.firewall.test,127.0.0.6",
            // relay.test has an MX too: the explicit port in relay.test.P.via must ignore it (A only).
            "--host-record=relay.test,127.0.0.7", "--mx-host=relay.test,mx.friend.test,10",
            "--mx-host=old.test,mail.old.test,10", "--host-record=mail.old.test,127.0.0.11",
            "--mx-host=mixed.test,mx.mixed.test,10", "--host-record=mx.mixed.test,127.0.0.10",
            "--mx-host=collector.test,mx.collector.test,10", "--host-record=mx.collector.test,127.0.0.12",
            "--mx-host=nullmx.test,.,0",
            "--mx-host=held.test,mx.friend.test,10",
            "--mx-host=etrn.test,mx.friend.test,10",
        ]);
        _programs.Add(dns);
        foreach (var (name, endPoint) in new[]
        {
            ("friend", new IPEndPoint(IPAddress.Parse("127.0.0.5"), Port)),
            ("firewall", new IPEndPoint(IPAddress.Parse("127.0.0.6"), Port)),
            ("relay", new IPEndPoint(IPAddress.Parse("127.0.0.7"), Port)),
            ("literal", new IPEndPoint(IPAddress.Parse("127.0.0.8"), Port)),
            ("sibling-port", new IPEndPoint(IPAddress.Loopback, SiblingPort)),
            ("sibling-ip", new IPEndPoint(IPAddress.Parse("127.0.0.9"), Port)),
            ("old", new IPEndPoint(IPAddress.Parse("127.0.0.11"), Port)),
            ("odmr-customer", new IPEndPoint(IPAddress.Loopback, OdmrCustomerPort = FreePort())),
        })
        {
            var folder = Path.Combine(_dumps, name);
            _programs.Add(PeerProgram.SmtpSink(endPoint, folder));
            Sinks[name] = folder;
        }
        var mixed = new FakeSmtpPeer();
        mixed.RcptReplies["busy@mixed.test"] = "450 4.2.1 <busy@mixed.test>: mailbox busy, try later";
        mixed.RcptReplies["gone@mixed.test"] = "550 5.1.1 <gone@mixed.test>: no such user here";
        Mixed = new TcpSmtpPeer(mixed, IPAddress.Parse("127.0.0.10"), Port);
        Collector = new TcpSmtpPeer(new FakeSmtpPeer(), IPAddress.Parse("127.0.0.12"), Port);

        Kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Router", "Smtp"],
            Settings = new Dictionary<string, string>
            {
                ["Dns:Servers:0"] = $"127.0.0.1:{dnsPort}",
                ["Smtp:Delivery:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Smtp:Delivery:HeloName"] = "kernel.test",
                ["Smtp:Delivery:IdleSeconds"] = "2",
                // Our own receiving side on free ports: SMTP in → relay out, and the loop to ourselves.
                ["Smtp:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Submission:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Smtps:Listen:0"] = "127.0.0.1:0",
                ["Smtp:Odmr:Listen:0"] = "127.0.0.1:0",
            },
        });
        await Cli(null, "domain", "add", "main.dom");
        // Gradual migration (router.md §8, S1): names this server does not know go to the old server, envelope unchanged.
        await Cli(null, "settings", "set", "MailToUnknown", "Rerouted:*%main.dom@old.test.via", "--domain", "main.dom");
        // Hold Mail for Domains (smtp.md §7): held.test waits until released.
        await Cli(null, "settings", "set", "SMTP.HoldDomains", "held.test, etrn.test, odmr.test");
        // ATRN (smtp.md §9.2): the queue odmr.test belongs to the Main Domain's account of that name.
        await Cli(null, "account", "add", "odmr.test@main.dom", "--password", "odmr-pw");
        await Cli(string.Join('\n',
            "friend2.test = friend2.test@firewall.test.via",
            $"target.test = target.test@relay.test.{Port}.via",
            $"sib.test = sib.test@127.0.0.1.{SiblingPort}.via",
            $"sib2.test = sib2.test@127.0.0.9.{Port}.via",
            // A mistake that makes a loop: our own address and SMTP port as the relay host (smtp.md §11.3, 5.4.6).
            $"loop.test = loop.test@127.0.0.1.{Smtp.Port}.via") + "\n", "router", "set", "-");
        await Kernel.WaitForLogAsync(l => l.Contains("router table loaded: 5 records", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
    }

    public async Task<CliResult> Cli(string? input, params string[] args)
    {
        var result = await KernelCli.RunAsync(Kernel.DataDirectory, input, [.. args, $"--Kernel:PluginsDirectory={Kernel.PluginsDirectory}"]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"kernel {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary><c>kernel submit</c> of a small message whose Subject is <paramref name="marker"/>; returns the queue id.</summary>
    public async Task<string> SubmitAsync(string from, string marker, params string[] recipients)
    {
        var message = $"From: <{from}>\nTo: <{recipients[0]}>\nSubject: {marker}\nMessage-ID: <{marker}@kernel.test>\n\n.a line starting with a dot\n{marker}\n";
        var result = await Cli(message, ["submit", "--from", from, .. recipients]);
        return result.Output.Trim();
    }

    /// <summary>The smtp-sink dump (X-Mail-Args, X-Rcpt-Args, the message) holding <paramref name="marker"/>; waits up to 30 s.</summary>
    public async Task<string> WaitForSinkAsync(string sink, string marker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var file in Directory.EnumerateFiles(Sinks[sink]))
            {
                string text;
                try
                {
                    text = await File.ReadAllTextAsync(file);
                }
                catch (IOException)
                {
                    continue;
                }
                // smtp-sink writes the file while the transaction runs; the dump is complete once the message end is in.
                if (text.Contains(marker, StringComparison.Ordinal) && text.Contains("\n" + marker + "\n", StringComparison.Ordinal)) return text;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"nothing with {marker} reached the {sink} sink; server log:\n{string.Join('\n', Kernel.Log.TakeLast(40))}");
    }

    /// <summary>Waits (bounded) until a scripted peer received a message containing <paramref name="marker"/>.</summary>
    public async Task<string> WaitForPeerAsync(TcpSmtpPeer peer, string marker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            byte[][] messages;
            lock (peer.Peer.Messages) messages = [.. peer.Peer.Messages];
            var hit = messages.Select(m => System.Text.Encoding.UTF8.GetString(m)).FirstOrDefault(m => m.Contains(marker, StringComparison.Ordinal));
            if (hit is not null) return hit;
            await Task.Delay(200);
        }
        throw new TimeoutException($"nothing with {marker} reached the peer; server log:\n{string.Join('\n', Kernel.Log.TakeLast(40))}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (Kernel is not null) await Kernel.DisposeAsync();
        if (Mixed is not null) await Mixed.DisposeAsync();
        if (Collector is not null) await Collector.DisposeAsync();
        foreach (var p in _programs) p.Dispose();
        try
        {
            Directory.Delete(_dumps, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
