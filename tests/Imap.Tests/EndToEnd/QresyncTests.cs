using System.Text.RegularExpressions;

namespace Imap.Tests.EndToEnd;

/// <summary>RFC 7162 §3.2.5.2: the sequence match data of SELECT (QRESYNC …) narrows VANISHED (EARLIER).</summary>
[Collection("imap")]
public sealed class QresyncTests(ImapServerFixture server)
{
    [Fact]
    public async Task Sequence_match_data_leaves_out_expunges_the_client_already_knows()
    {
        const string message = "From: a@example.org\r\nSubject: q\r\n\r\nq\r\n";
        await using var a = await server.ConnectAsync("pete");
        await a.OkAsync("CREATE Q");
        await a.AppendManyAsync("Q", message, 5);
        var select = await a.OkAsync("SELECT Q");
        var validity = Regex.Match(select.All, @"UIDVALIDITY (\d+)").Groups[1].Value;
        var modseq = Regex.Match(select.All, @"HIGHESTMODSEQ (\d+)").Groups[1].Value;
        await a.OkAsync("UID STORE 1,4 +FLAGS.SILENT (\\Deleted)");
        await a.OkAsync("UID EXPUNGE 1");
        await a.OkAsync("UID EXPUNGE 4");

        await using var b = await server.ConnectAsync("pete");
        await b.OkAsync("ENABLE QRESYNC");
        var plain = await b.OkAsync($"SELECT Q (QRESYNC ({validity} {modseq} 1:5))");
        Assert.Contains("* VANISHED (EARLIER) 1,4", plain.Untagged);
        // The client's map (1→2, 2→3, 3→4) still matches up to UID 3: only UID 4 may be news to it.
        var matched = await b.OkAsync($"SELECT Q (QRESYNC ({validity} {modseq} 1:5 (1:3 2:4)))");
        Assert.Contains("* VANISHED (EARLIER) 4", matched.Untagged);
        Assert.Contains("BAD", (await b.SendAsync($"SELECT Q (QRESYNC ({validity} {modseq} 1:5 (1:3 2:3)))")).Tagged);
    }
}
