using System.Globalization;
using System.Net;
using System.Text.Json;
using Kernel.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Data.Sqlite;
using MimeKit;

namespace Smtp.Tests.Delivery;

/// <summary>
/// Issue 10 "Speed" (outbound) through a running <c>kernel serve</c> (Router + Smtp) and a scripted remote MTA
/// (<see cref="TcpSmtpPeer"/>): the messages of one target queue are sent over several connections at once, never more
/// than the transport's connection cap per target; and a delivery's outcome counts only once it is committed — a server
/// killed after the remote 250 but before its outcome commit sends the message again after the restart (a duplicate,
/// RFC 5321 §6.1), never loses it.
/// </summary>
public sealed class ParallelDrainTests
{
    private const int Cap = 4;

    [Fact]
    public async Task TheMessagesOfOneReleasedTargetGoOverSeveralConnectionsAtOnceUpToTheCap()
    {
        var peer = new FakeSmtpPeer();
        var waiting = 0;
        var most = 0;
        var full = new TaskCompletionSource();
        peer.BeforeFinalReply = async () =>
        {
            // Hold each final reply until the cap's worth of transactions are in flight (bounded, so a serial drain fails, not hangs).
            var now = Interlocked.Increment(ref waiting);
            InterlockedMax(ref most, now);
            if (now >= Cap) full.TrySetResult();
            try { await full.Task.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
            Interlocked.Decrement(ref waiting);
        };
        await using var remote = new TcpSmtpPeer(peer, IPAddress.Loopback);
        // An MX route, so the target queue is the domain and Hold Mail for Domains applies to it (smtp.md §7).
        var (dns, dnsPort) = PeerProgram.Dnsmasq(["--local=/test/", "--mx-host=par.test,mx.par.test,10", "--host-record=mx.par.test,127.0.0.1"]);
        using var dnsProcess = dns;
        await using var kernel = await StartKernelAsync(null, new Dictionary<string, string>
        {
            ["Dns:Servers:0"] = $"127.0.0.1:{dnsPort}",
            ["Smtp:Delivery:Port"] = remote.EndPoint.Port.ToString(CultureInfo.InvariantCulture),
            // More deliveries per queue than connections: the transport's cap must still hold.
            ["Kernel:Delivery:DeliveriesPerQueue"] = "8",
        });
        await Cli(kernel, "settings", "set", "SMTP.HoldDomains", "par.test");

        const int count = 2 * Cap;
        await SendAsync(kernel, Enumerable.Range(0, count).Select(i => ($"u{i}@par.test", $"parallel-{i}")).ToList());
        await WaitForQueueAsync(kernel, q => q.Count == count, "all held");
        await Cli(kernel, "queue", "release", "par.test");

        await WaitForQueueAsync(kernel, q => q.Count == 0, "all relayed");
        lock (peer.Messages) Assert.Equal(count, peer.Messages.Count);
        Assert.Equal(Cap, most);
        Assert.Equal(Cap, peer.Connections);
    }

    [Fact]
    public async Task AServerKilledAfterTheRemote250ButBeforeTheOutcomeCommitSendsTheMessageAgain()
    {
        var peer = new FakeSmtpPeer();
        var arrived = new TaskCompletionSource();
        var answer = new TaskCompletionSource();
        var held = 0;
        peer.BeforeFinalReply = async () =>
        {
            // Only the first copy is held: the test locks the database before our 250 goes out.
            if (Interlocked.Increment(ref held) != 1) return;
            arrived.TrySetResult();
            await answer.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };
        await using var remote = new TcpSmtpPeer(peer, IPAddress.Loopback);
        var data = Directory.CreateTempSubdirectory("relay-crash-").FullName;
        try
        {
            await using (var first = await StartKernelAsync(data))
            {
                await RouteAsync(first, "crash.test", remote.EndPoint.Port);
                await SendAsync(first, [("x@crash.test", "crash-marker")]);
                await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

                // Another writer holds the database, so the outcome cannot be committed; then the remote says 250.
                await using var blocker = new SqliteConnection($"Data Source={Path.Combine(data, "kernel.db")}");
                await blocker.OpenAsync();
                await using (var begin = blocker.CreateCommand())
                {
                    begin.CommandText = "BEGIN IMMEDIATE";
                    await begin.ExecuteNonQueryAsync();
                }
                answer.SetResult();
                // The transport has the 250 (it logs the outcome) and the kernel waits on the locked commit: kill it there.
                await first.WaitForLogAsync(l => l.Contains("1 delivered, 0 deferred, 0 failed", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                await first.KillAsync();
                await using (var rollback = blocker.CreateCommand())
                {
                    rollback.CommandText = "ROLLBACK";
                    await rollback.ExecuteNonQueryAsync();
                }
            }

            // The restarted server finds the message still queued and sends it again: a duplicate, not a loss.
            await using var second = await StartKernelAsync(data);
            await WaitForQueueAsync(second, q => q.Count == 0, "re-sent after the restart");
            lock (peer.Messages) Assert.Equal(2, peer.Messages.Count(m => FakeSmtpPeer.Unstuffed(m).Contains("crash-marker", StringComparison.Ordinal)));
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    private static Task<KernelProcess> StartKernelAsync(string? data, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Smtp:Listen:0"] = "127.0.0.1:0",
            ["Smtp:Delivery:HeloName"] = "kernel.test",
            ["Smtp:Delivery:MaxConnectionsPerTarget"] = Cap.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        return KernelProcess.StartAsync(new KernelProcessOptions { Plugins = ["Router", "Smtp"], Settings = settings, DataDirectory = data });
    }

    /// <summary>Routes <paramref name="domain"/> to the peer's port on 127.0.0.1 (relay.domain.PORT.via).</summary>
    private static async Task RouteAsync(KernelProcess kernel, string domain, int port)
    {
        await CliWithInput(kernel, $"{domain} = {domain}@127.0.0.1.{port}.via\n", "router", "set", "-");
        await kernel.WaitForLogAsync(l => l.Contains("router table loaded: 1 records", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
    }

    /// <summary>One SMTP session from a trusted client (127.0.0.1) into the kernel, a message per recipient.</summary>
    private static async Task SendAsync(KernelProcess kernel, IReadOnlyList<(string To, string Subject)> messages)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", kernel.Listener("smtp").Port, SecureSocketOptions.None);
        foreach (var (to, subject) in messages)
        {
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("alice@main.test"));
            message.To.Add(MailboxAddress.Parse(to));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = subject };
            await client.SendAsync(message);
        }
        await client.DisconnectAsync(true);
    }

    private static async Task WaitForQueueAsync(KernelProcess kernel, Func<List<JsonElement>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = (await Cli(kernel, "queue", "list", "--json")).Output;
            if (done([.. JsonDocument.Parse(last).RootElement.EnumerateArray()])) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"queue never {what}: {last}\nserver log:\n{string.Join('\n', kernel.Log.TakeLast(30))}");
    }

    private static async Task<CliResult> Cli(KernelProcess kernel, params string[] args)
    {
        var result = await kernel.CliAsync([.. args, $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}"]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"kernel {string.Join(' ', args)}: {result}");
        return result;
    }

    private static async Task<CliResult> CliWithInput(KernelProcess kernel, string input, params string[] args)
    {
        var result = await kernel.CliWithInputAsync(input, [.. args, $"--Kernel:PluginsDirectory={kernel.PluginsDirectory}"]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"kernel {string.Join(' ', args)}: {result}");
        return result;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
