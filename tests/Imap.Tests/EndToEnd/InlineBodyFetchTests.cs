using System.Text;
using Kernel.Testing;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// A small body is kept inside the kernel's database (Kernel:Storage:InlineBodyLimit, default 64 KiB), a large one is
/// a file: partial FETCHes of both, one by one and batched, answer exactly the requested bytes (RFC 3501 §6.4.5
/// BODY[]&lt;origin.octets&gt;), and each is stored where its size says.
/// </summary>
[Collection("imap")]
public sealed class InlineBodyFetchTests(ImapServerFixture server)
{
    private static string Message(string marker, int size)
    {
        var text = new StringBuilder($"From: a@example.com\r\nSubject: {marker}\r\n\r\n");
        for (var i = 0; text.Length < size; i++) text.Append($"line {i:D5} of {marker} 0123456789\r\n");
        return text.ToString();
    }

    /// <summary>The partial items asked of a message of <paramref name="length"/> bytes: the start, the middle, across the end.</summary>
    private static (long Origin, int Octets)[] Ranges(int length) => [(0, 10), (length / 2, 100), (length - 5, 100)];

    /// <summary>RFC 3501 §6.4.5: the origin is echoed, and a range across the end is cut there.</summary>
    private static string Expected(string message, long origin, int octets)
    {
        var part = message.Substring((int)origin, (int)Math.Min(octets, message.Length - origin));
        return $"BODY[]<{origin}> {{{part.Length}}}\r\n{part}";
    }

    [Fact]
    public async Task Partial_fetches_of_an_inline_body_and_a_file_body_return_the_requested_bytes()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        string small = Message($"inline-{id}", 3_000), large = Message($"file-{id}", 100_000);
        await using var c = await server.ConnectAsync("gina");
        await c.OkAsync("CREATE InlineVsFile");
        await c.OkAsync($"APPEND InlineVsFile {{{small.Length}+}}\r\n{small}");
        await c.OkAsync($"APPEND InlineVsFile {{{large.Length}+}}\r\n{large}");
        await c.OkAsync("SELECT InlineVsFile");

        string[] messages = [small, large];
        // Batched (one store read for both messages): ranges inside the small one.
        var batched = (await c.OkAsync("FETCH 1:2 (BODY.PEEK[]<0.10> BODY.PEEK[]<1000.100>)")).Untagged;
        Assert.Equal(2, batched.Count);
        for (var n = 1; n <= 2; n++)
        {
            var message = messages[n - 1];
            var items = Ranges(message.Length);
            var single = Assert.Single((await c.OkAsync($"FETCH {n} (" + string.Join(' ', items.Select(r => $"BODY.PEEK[]<{r.Origin}.{r.Octets}>")) + ")")).Untagged);
            foreach (var (origin, octets) in items) Assert.Contains(Expected(message, origin, octets), single);
            Assert.Contains(Expected(message, 0, 10), batched[n - 1]);
            Assert.Contains(Expected(message, 1000, 100), batched[n - 1]);
            var whole = Assert.Single((await c.OkAsync($"FETCH {n} BODY.PEEK[]")).Untagged);
            Assert.StartsWith($"* {n} FETCH (BODY[] {{{message.Length}}}\r\n{message})", whole, StringComparison.Ordinal);
        }

        // The small body is inside the database, the large one a file under bodies/.
        var files = Directory.EnumerateFiles(Path.Combine(server.Kernel.DataDirectory, "bodies"), "*", SearchOption.AllDirectories)
            .Select(File.ReadAllText).ToList();
        Assert.Single(files, f => f.Contains($"file-{id}", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.Contains($"inline-{id}", StringComparison.Ordinal));
        Assert.Single(StoredBodies.ReadAll(server.Kernel.DataDirectory), b => Encoding.ASCII.GetString(b).Contains($"inline-{id}", StringComparison.Ordinal));
    }
}
