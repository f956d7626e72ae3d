using Imap.Protocol;

namespace Imap.Tests.Protocol;

public sealed class ModifiedUtf7Tests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Entw&APw-rfe", "Entwürfe")]
    [InlineData("&-", "&")]
    [InlineData("A&-B", "A&B")]
    [InlineData("~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語")]
    [InlineData("&2D3eAA-", "\U0001F600")]
    public void Decodes_and_encodes_back(string wire, string text)
    {
        Assert.True(ModifiedUtf7.TryDecode(wire, out var decoded));
        Assert.Equal(text, decoded);
        Assert.Equal(wire, ModifiedUtf7.Encode(text));
    }

    [Theory]
    [InlineData("&")]             // unterminated shift
    [InlineData("&AOQ")]          // unterminated
    [InlineData("&AGE-")]         // encodes printable ASCII 'a'
    [InlineData("&AOQ-&AOQ-")]    // two adjacent runs: not minimal
    [InlineData("&AO-")]          // not a whole UTF-16 unit
    [InlineData("&AOR-")]         // non-zero padding bits
    [InlineData("&2D0-")]         // lone high surrogate
    [InlineData("&A*Q-")]         // not base64
    [InlineData("caf\u00e9")]      // 8-bit raw
    [InlineData("a\tb")]          // control character
    public void Refuses_invalid_names(string wire) => Assert.False(ModifiedUtf7.TryDecode(wire, out _));
}
