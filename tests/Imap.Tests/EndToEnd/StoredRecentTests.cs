using Kernel.Testing;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// RFC 3501 §2.3.2 \Recent kept by the store (migration 014): two <c>kernel serve</c> processes on one data folder
/// agree which session holds a message as recent, and a restarted server does not show old messages as recent again.
/// </summary>
public sealed class StoredRecentTests
{
    private const string Message = "From: a@example.org\r\nSubject: recent\r\n\r\nHi\r\n";

    private static Task<KernelProcess> StartAsync(string data) => KernelProcess.StartAsync(new KernelProcessOptions
    {
        Plugins = ["Imap"],
        DataDirectory = data,
        Settings = new Dictionary<string, string>
        {
            ["Imap:Listen:0"] = "127.0.0.1:0",
            ["Imap:Imaps:Listen:0"] = "127.0.0.1:0",
        },
    });

    private static async Task<RawImapClient> LoginAsync(KernelProcess kernel)
    {
        var client = await RawImapClient.ConnectAsync(kernel.Listener("imap").Port);
        await client.OkAsync("LOGIN rec@recent.test pw");
        return client;
    }

    [Fact]
    public async Task Two_processes_share_the_mark_and_a_restart_keeps_it()
    {
        var data = Path.Combine(Path.GetTempPath(), "kernel-recent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        try
        {
            await using (var first = await StartAsync(data))
            {
                Assert.Equal(0, (await first.CliAsync("domain", "add", "recent.test")).ExitCode);
                Assert.Equal(0, (await first.CliAsync("account", "add", "rec@recent.test", "--password", "pw")).ExitCode);
                await using var second = await StartAsync(data);

                await using var a = await LoginAsync(first);
                await a.AppendManyAsync("INBOX", Message, 2);
                // a session of the other process claims them first ...
                await using (var b = await LoginAsync(second))
                {
                    Assert.Contains("* 2 RECENT", (await b.OkAsync("EXAMINE INBOX")).Untagged); // EXAMINE only looks
                    Assert.Contains("* 2 RECENT", (await b.OkAsync("SELECT INBOX")).Untagged);
                }
                // ... so this process's session does not get them
                Assert.Contains("* 0 RECENT", (await a.OkAsync("SELECT INBOX")).Untagged);
                Assert.Equal("* STATUS INBOX (MESSAGES 2 RECENT 0)", (await a.OkAsync("STATUS INBOX (MESSAGES RECENT)")).Untagged[0]);
                await a.OkAsync("LOGOUT");
            }

            // a restarted server remembers what was shown; a new message is recent for the first session only
            await using var restarted = await StartAsync(data);
            await using var c = await LoginAsync(restarted);
            Assert.Contains("* 0 RECENT", (await c.OkAsync("SELECT INBOX")).Untagged);
            await c.OkAsync("UNSELECT");
            await c.AppendManyAsync("INBOX", Message, 1);
            var select = await c.OkAsync("SELECT INBOX");
            Assert.Contains("* 3 EXISTS", select.Untagged);
            Assert.Contains("* 1 RECENT", select.Untagged);
            Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH RECENT")).Untagged[0]);
            await using var d = await LoginAsync(restarted);
            Assert.Contains("* 0 RECENT", (await d.OkAsync("SELECT INBOX")).Untagged);
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }
}
