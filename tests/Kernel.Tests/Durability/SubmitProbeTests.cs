using System.Text;
using Kernel.Testing;

namespace Kernel.Tests.Durability;

/// <summary>The SubmitProbe test plugin the crash test drives: its framing, its limits, and that bad input never takes it down.</summary>
[Collection(ProcessTestCollection.Name)]
public sealed class SubmitProbeTests
{
    [Fact]
    public async Task Bad_requests_get_one_ERR_line_and_good_ones_are_queued()
    {
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["SubmitProbe"],
            Settings = new Dictionary<string, string> { ["SubmitProbe:Listen:0"] = "127.0.0.1:0", ["SubmitProbe:MaxLength"] = "4096" },
        });
        var endPoint = kernel.Listener("SubmitProbe");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        string?[] answers =
        [
            await OneAsync("HELLO there\r\n"),
            await OneAsync("SUBMIT a@b.c x@y.z notanumber\r\n"),
            await OneAsync("SUBMIT a@b.c x@y.z -5\r\n"),
            await OneAsync("SUBMIT a@b.c x@y.z 5000\r\n"),
            await OneAsync(new string('A', 3000) + "\r\n"),
            await OneAsync("SUBMIT a@b.c not-an-address 4\r\nabcd"),
        ];
        Assert.Equal("ERR expected SUBMIT <sender> <rcpt> <length>", answers[0]);
        Assert.Equal("ERR expected SUBMIT <sender> <rcpt> <length>", answers[1]);
        Assert.Equal("ERR expected SUBMIT <sender> <rcpt> <length>", answers[2]);
        Assert.Equal("ERR message longer than 4096 bytes", answers[3]);
        Assert.Equal("ERR request line too long", answers[4]);
        Assert.StartsWith("ERR ", answers[5]);

        // A message cut short by the client is not submitted; nothing above was either.
        await using (var cut = await ProbeClient.ConnectAsync(endPoint, timeout.Token))
        {
            Assert.Null(await cut.SendAndCloseAsync(Encoding.ASCII.GetBytes("SUBMIT a@b.c alice@test.dom 100\r\nonly part"), timeout.Token));
        }
        Assert.True(await kernel.CliAsync("domain", "add", "test.dom") is { ExitCode: 0 });
        Assert.True(await kernel.CliAsync("account", "add", "alice@test.dom", "--password", "pw") is { ExitCode: 0 });
        var queued = await kernel.CliAsync("queue", "list", "--json");
        Assert.Equal("[]", queued.Output.Trim());

        // Several requests on one connection, each answered once the queue has it; all three reach the INBOX.
        await using var client = await ProbeClient.ConnectAsync(endPoint, timeout.Token);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await client.SubmitAsync("<>", "alice@test.dom", Encoding.ASCII.GetBytes($"Subject: probe {i}\r\n\r\nbody\r\n"), timeout.Token);
            Assert.StartsWith("OK ", answer);
            ids.Add(answer![3..]);
        }
        Assert.Equal(3, ids.Distinct().Count());
        for (var delivered = false; !delivered;)
        {
            timeout.Token.ThrowIfCancellationRequested();
            var list = await kernel.CliAsync("mailbox", "list", "alice@test.dom", "--json");
            using var json = System.Text.Json.JsonDocument.Parse(list.Output);
            var inbox = json.RootElement.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "INBOX");
            delivered = inbox.GetProperty("messages").GetInt32() == 3;
            if (!delivered) await Task.Delay(200, timeout.Token);
        }
        Assert.False(kernel.HasExited);

        async Task<string?> OneAsync(string request)
        {
            await using var c = await ProbeClient.ConnectAsync(endPoint, timeout.Token);
            return await c.SendRawAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        }
    }
}
