using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Kernel.Abstractions;
using Kernel.Testing;
using Kernel.Tests.Storage;
using Xunit.Abstractions;

namespace Kernel.Tests.Durability;

/// <summary>
/// Issue 3 §8 "Crash safety": 20 concurrent submitters push 2,000 messages into a Kernel process through the
/// SubmitProbe test plugin; the process is SIGKILLed mid-run and restarted on the same data folder. Every submit that
/// was answered OK must be in the INBOX exactly once, nothing may be there twice or half-written, and the store must
/// open cleanly (no migration to apply, integrity check ok).
/// </summary>
[Collection(ProcessTestCollection.Name)]
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Submitters = 20;
    private const int PerSubmitter = 100;
    private const int KillAfterAcks = Submitters * PerSubmitter / 2;
    private const string Domain = "test.dom";
    private const string Recipient = "alice@" + Domain;

    [Fact]
    public async Task EveryAcknowledgedSubmitIsDeliveredExactlyOnceAfterSigkill()
    {
        using var data = new TempDataFolder();
        var options = new KernelProcessOptions
        {
            DataDirectory = data.Path,
            Plugins = ["SubmitProbe"],
            Settings = new Dictionary<string, string>
            {
                ["SubmitProbe:Listen:0"] = "127.0.0.1:0",
                // Messages are 1.3–5.8 KB: about half of them stay inside the database, the rest are files, so both
                // kinds of body cross the kill in the same run.
                ["Kernel:Storage:InlineBodyLimit"] = "3000",
            },
        };
        var clock = Stopwatch.StartNew();
        var sent = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        var acked = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var errors = new ConcurrentQueue<string>();

        await using (var kernel = await KernelProcess.StartAsync(options))
        {
            AssertOk(await kernel.CliAsync("domain", "add", Domain));
            AssertOk(await kernel.CliAsync("account", "add", Recipient, "--password", "pw"));
            var endPoint = kernel.Listener("SubmitProbe");
            output.WriteLine($"{clock.Elapsed}: server up on {endPoint}, account created");

            var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var submitters = Enumerable.Range(0, Submitters)
                .Select(i => Task.Run(() => SubmitAllAsync(i, endPoint, sent, acked, errors, killNow, stop.Token)))
                .ToArray();
            var allDone = Task.WhenAll(submitters);
            var first = await Task.WhenAny(killNow.Task, allDone).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(first == killNow.Task, $"the submitters ended before {KillAfterAcks} acknowledgements ({acked.Count}); errors: {string.Join(" | ", errors.Take(5))}");
            await kernel.KillAsync();
            await allDone.WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"{clock.Elapsed}: killed after {acked.Count} acknowledgements, {sent.Count} sent");
        }
        Assert.Empty(errors);
        Assert.InRange(acked.Count, KillAfterAcks, Submitters * PerSubmitter - 1);

        await using (var restarted = await KernelProcess.StartAsync(options))
        {
            output.WriteLine($"{clock.Elapsed}: restarted");
            await WaitForEmptyQueueAsync(restarted, TimeSpan.FromSeconds(45));
            output.WriteLine($"{clock.Elapsed}: queue empty");
            Assert.Equal(0, await restarted.StopAsync());
        }

        var verified = await StoreInspection.InspectAsync(data.Path, new AccountAddress("alice", Domain));
        output.WriteLine($"{clock.Elapsed}: {verified.Messages.Count} messages in INBOX");

        Assert.Equal("ok", verified.IntegrityCheck);
        Assert.Equal(verified.MigrationsBefore, verified.MigrationsAfter);
        Assert.Empty(verified.Unreadable);
        Assert.True(verified.InlineBodies > 0 && verified.FileBodies > 0, $"{verified.InlineBodies} inline and {verified.FileBodies} file bodies: both kinds must be exercised");

        var delivered = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var message in verified.Messages)
        {
            var token = TokenOf(message);
            byte[]? original = null;
            Assert.True(token is not null && sent.TryGetValue(token, out original), $"INBOX holds a message that was never sent: {Encoding.ASCII.GetString(message.AsSpan(0, Math.Min(200, message.Length)))}");
            // RFC 5321 §4.4: local delivery puts the sender's Return-Path first; the rest is byte for byte what was sent.
            var returnPath = Encoding.ASCII.GetBytes($"Return-Path: <{SenderOf(original!)}>\r\n");
            Assert.True(message.AsSpan().StartsWith(returnPath) && original!.AsSpan().SequenceEqual(message.AsSpan(returnPath.Length)),
                $"message {token} differs from what was submitted ({message.Length} bytes stored, {returnPath.Length} + {original!.Length} expected)");
            delivered[token!] = delivered.GetValueOrDefault(token) + 1;
        }
        var twice = delivered.Where(d => d.Value > 1).Select(d => $"{d.Key}×{d.Value} (queue id {acked.GetValueOrDefault(d.Key) ?? "not acknowledged"})").ToList();
        var missing = acked.Where(a => !delivered.ContainsKey(a.Key)).Select(a => $"{a.Key} (queue id {a.Value})").ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} messages delivered more than once: {string.Join(", ", twice.Take(10))}");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged messages missing: {string.Join(", ", missing.Take(10))}");
    }

    /// <summary>The envelope sender a submitter used, from the message's own <c>From: &lt;…&gt;</c> line (the same address).</summary>
    private static string SenderOf(byte[] message)
    {
        var text = Encoding.ASCII.GetString(message);
        var from = text.IndexOf("From: <", StringComparison.Ordinal) + "From: <".Length;
        return text[from..text.IndexOf('>', from)];
    }

    private static async Task SubmitAllAsync(int submitter, IPEndPoint endPoint, ConcurrentDictionary<string, byte[]> sent,
        ConcurrentDictionary<string, string> acked, ConcurrentQueue<string> errors, TaskCompletionSource killNow, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await ProbeClient.ConnectAsync(endPoint, cancellationToken);
            for (var n = 0; n < PerSubmitter; n++)
            {
                var token = $"s{submitter:D2}n{n:D3}x{Guid.NewGuid():N}"[..20];
                var message = Message(submitter, n, token);
                sent[token] = message;
                var answer = await client.SubmitAsync($"sender{submitter}@probe.test", Recipient, message, cancellationToken);
                if (answer is null) return; // the server went away (the kill)
                if (answer.StartsWith("OK ", StringComparison.Ordinal))
                {
                    acked[token] = answer[3..];
                    if (acked.Count >= KillAfterAcks) killNow.TrySetResult();
                }
                else
                {
                    errors.Enqueue($"{token}: {answer}");
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The kill: a submit without an answer may or may not have been stored; it must not be there twice.
        }
    }

    /// <summary>A message of 1–5 KB whose Message-ID and Subject carry the token.</summary>
    private static byte[] Message(int submitter, int n, string token)
    {
        var text = new StringBuilder()
            .Append($"From: <sender{submitter}@probe.test>\r\n")
            .Append($"To: <{Recipient}>\r\n")
            .Append($"Message-ID: <{token}@probe.test>\r\n")
            .Append($"Subject: crash {token}\r\n")
            .Append("\r\n");
        var lines = 16 + (submitter * 31 + n * 17) % 64;
        for (var i = 0; i < lines; i++) text.Append($"line {i:D3} of {token}: the quick brown fox jumps over the lazy dog\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string? TokenOf(byte[] message)
    {
        var text = Encoding.ASCII.GetString(message);
        const string prefix = "\r\nSubject: crash ";
        var at = text.IndexOf(prefix, StringComparison.Ordinal);
        if (at < 0) return null;
        var end = text.IndexOf("\r\n", at + prefix.Length, StringComparison.Ordinal);
        return end < 0 ? null : text[(at + prefix.Length)..end];
    }

    private async Task WaitForEmptyQueueAsync(KernelProcess kernel, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var left = -1;
        while (DateTime.UtcNow < deadline)
        {
            var list = await kernel.CliAsync("queue", "list", "--json");
            AssertOk(list);
            using var json = JsonDocument.Parse(list.Output);
            left = json.RootElement.GetArrayLength();
            if (left == 0) return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"the queue still held {left} messages after {timeout}:\n{string.Join("\n", kernel.Log.TakeLast(30))}");
    }

    private static void AssertOk(CliResult result) => Assert.True(result.ExitCode == 0, result.ToString());
}
