using System.Text;

namespace Imap.Tests.EndToEnd;

/// <summary>SEARCH BODY matches the decoded text (RFC 3501 §6.4.4), whatever the raw pre-check skips.</summary>
[Collection("imap")]
public sealed class SearchBodyTests(ImapServerFixture server)
{
    [Fact]
    public async Task Body_search_finds_text_in_plain_base64_and_quoted_printable_bodies_and_nothing_else()
    {
        await using var c = await server.ConnectAsync("gina");
        await c.OkAsync("CREATE BodySearchEncodings");
        var needleBase64 = Convert.ToBase64String("a Needle in base64"u8.ToArray());
        string[] messages =
        [
            "Subject: plain\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nthe needle is here\r\n",
            $"Subject: b64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{needleBase64}\r\n",
            "Subject: qp\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nsoft break: nee=\r\ndle\r\n",
            "Subject: none\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nnothing to find\r\n",
        ];
        foreach (var m in messages)
            await c.OkAsync($"APPEND BodySearchEncodings {{{Encoding.ASCII.GetByteCount(m)}+}}\r\n{m}");
        await c.OkAsync("SELECT BodySearchEncodings");
        Assert.Equal("* SEARCH 1 2 3", (await c.OkAsync("SEARCH BODY NEEDLE")).Untagged[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH BODY xyzzy")).Untagged[0]);
        Assert.Equal("* SEARCH 4", (await c.OkAsync("SEARCH BODY \"nothing to\"")).Untagged[0]);
    }
}
