using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Kernel.Testing;

namespace Smtp.Tests.Server;

/// <summary>
/// The server's read timeouts (RFC 5321 §4.5.3.2: a server should time out a silent client rather than hold the
/// connection for ever): a client that stops sending — between commands, in the middle of DATA, in the middle of a
/// BDAT chunk — gets <c>421 4.4.2</c> and the connection closes; nothing it half sent is queued or delivered.
/// Its own server: the timeouts are cut to 2 seconds, which the shared fixture's slower dialogs would trip.
/// </summary>
public sealed class ReadTimeoutTests : IAsyncLifetime
{
    private const string Alice = "alice@main.dom";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private KernelProcess _kernel = null!;

    private IPEndPoint Smtp => _kernel.Listener("smtp");

    public async Task InitializeAsync()
    {
        _kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Smtp", "Router"],
            Settings = new Dictionary<string, string>
            {
                ["Smtp:Listen:0"] = "127.0.0.1:0",
                ["Smtp:CommandTimeoutSeconds"] = "2",
                ["Smtp:DataTimeoutSeconds"] = "2",
                ["Dns:Servers:0"] = "127.0.0.1:9",
            },
        });
        await CliOkAsync("domain", "add", "main.dom");
        await CliOkAsync("account", "add", Alice, "--password", "alice-pw");
    }

    [Fact]
    public async Task ASilentClientIsToldAndDisconnected()
    {
        await using var smtp = await SmtpDialog.OpenAsync(Smtp);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO quiet.test"));
        var clock = Stopwatch.StartNew();
        // No command: after CommandTimeoutSeconds the server says why (§4.5.3.2.7) and closes.
        Assert.Equal("421 4.4.2 Timeout, closing connection", await smtp.ReadReplyAsync());
        Assert.True(await smtp.IsClosedAsync());
        Assert.True(clock.Elapsed >= Timeout - TimeSpan.FromMilliseconds(200), $"cut off after {clock.Elapsed}, before the 2 s timeout");
    }

    [Fact]
    public async Task AClientStallingInDataQueuesNothing()
    {
        var before = await InboxCountAsync();
        await using (var smtp = await SmtpDialog.OpenAsync(Smtp))
        {
            await smtp.CommandAsync("EHLO stall.test");
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@far.test>"));
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"));
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
            await smtp.SendAsync("Subject: stalled\r\n\r\nhalf a message\r\n");
            // No more data and no final dot: the data block timeout (§4.5.3.2.5) ends the session.
            Assert.Equal("421 4.4.2 Timeout, closing connection", await smtp.ReadReplyAsync());
            Assert.True(await smtp.IsClosedAsync());
        }
        await AssertNothingArrivedAsync(before);
    }

    [Fact]
    public async Task AClientStallingInABdatChunkQueuesNothing()
    {
        var before = await InboxCountAsync();
        await using (var smtp = await SmtpDialog.OpenAsync(Smtp))
        {
            await smtp.CommandAsync("EHLO stall.test");
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@far.test>"));
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"));
            // 100 octets announced, 30 sent (RFC 3030): the server waits for the rest, then times out.
            await smtp.SendAsync("BDAT 100 LAST\r\nSubject: stalled\r\n\r\nhalf a chunk");
            Assert.Equal("421 4.4.2 Timeout, closing connection", await smtp.ReadReplyAsync());
            Assert.True(await smtp.IsClosedAsync());
        }
        await AssertNothingArrivedAsync(before);
    }

    /// <summary>A whole message after the stalled one proves the server went on and the half one never arrived.</summary>
    private async Task AssertNothingArrivedAsync(int before)
    {
        await using (var smtp = await SmtpDialog.OpenAsync(Smtp))
        {
            await smtp.CommandAsync("EHLO after.test");
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@far.test>"));
            Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Alice}>"));
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
            Assert.StartsWith("250 2.0.0", await smtp.CommandAsync("Subject: after\r\n\r\nwhole\r\n."));
        }
        // Delivered and gone from the queue: the INBOX holds exactly one more, the queue nothing.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await InboxCountAsync() < before + 1 || await QueueLengthAsync() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the whole message after the stalled one was not delivered");
            await Task.Delay(200);
        }
        Assert.Equal(before + 1, await InboxCountAsync());
    }

    private async Task<int> QueueLengthAsync()
    {
        using var queue = JsonDocument.Parse(await CliOkAsync("queue", "list", "--json"));
        return queue.RootElement.GetArrayLength();
    }

    private async Task<int> InboxCountAsync()
    {
        using var json = JsonDocument.Parse(await CliOkAsync("mailbox", "list", Alice, "--json"));
        return json.RootElement.EnumerateArray().First(m => m.GetProperty("name").GetString() == "INBOX").GetProperty("messages").GetInt32();
    }

    private async Task<string> CliOkAsync(params string[] args)
    {
        var result = await KernelCli.RunAsync(_kernel.DataDirectory, null, [.. args, $"--Kernel:PluginsDirectory={_kernel.PluginsDirectory}"]);
        Assert.True(result.ExitCode == 0, $"kernel {string.Join(' ', args)}: {result}");
        return result.Output;
    }

    public async Task DisposeAsync() => await _kernel.DisposeAsync();
}
