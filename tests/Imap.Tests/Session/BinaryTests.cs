using System.Text;
using Imap.Protocol;
using Imap.Session;

namespace Imap.Tests.Session;

/// <summary>RFC 3516 without sockets: the BINARY fetch items and the transfer-encoding decoder.</summary>
public sealed class BinaryTests
{
    private static List<FetchItem> Items(string text) => FetchItem.ParseList(new CommandParser(Encoding.ASCII.GetBytes(text), ImapLimits.Default));

    [Fact]
    public void Parses_binary_peek_size_and_partial()
    {
        var items = Items("(BINARY[1.2]<5.10> BINARY.PEEK[] BINARY.SIZE[3])");
        Assert.Equal(FetchKind.Binary, items[0].Kind);
        Assert.Equal([1, 2], items[0].Path);
        Assert.Equal(5, items[0].PartialStart);
        Assert.Equal(10, items[0].PartialLength);
        Assert.False(items[0].Peek);
        Assert.Equal("BINARY[1.2]<5>", items[0].Label);
        Assert.True(items[1].Peek);
        Assert.Equal("BINARY[]", items[1].Label);
        Assert.Equal(FetchKind.BinarySize, items[2].Kind);
        Assert.Equal("BINARY.SIZE[3]", items[2].Label);
    }

    [Theory]
    [InlineData("BINARY[1.TEXT]")]
    [InlineData("BINARY[HEADER]")]
    [InlineData("BINARY[0]")]
    [InlineData("BINARY[1..2]")]
    [InlineData("BINARY.SIZE[1]<0.5>")]
    public void Refuses_sections_other_than_part_numbers(string text) =>
        Assert.Throws<ImapParseException>(() =>
        {
            var p = new CommandParser(Encoding.ASCII.GetBytes(text), ImapLimits.Default);
            FetchItem.ParseList(p);
            p.End(); // as FETCH does: a partial after BINARY.SIZE is left over
        });

    [Theory]
    [InlineData("base64", "AAEC/w==", new byte[] { 0, 1, 2, 255 })]
    [InlineData("Quoted-Printable", "a=3Db=00=\r\nc", new byte[] { (byte)'a', (byte)'=', (byte)'b', 0, (byte)'c' })]
    [InlineData("8bit", "abc", new byte[] { (byte)'a', (byte)'b', (byte)'c' })]
    [InlineData(null, "x", new byte[] { (byte)'x' })]
    public void Decodes_known_encodings(string? encoding, string encoded, byte[] expected)
    {
        Assert.True(BinaryDecoder.IsKnown(encoding));
        Assert.Equal(expected, BinaryDecoder.Decode(encoding, Encoding.ASCII.GetBytes(encoded)));
    }

    [Fact]
    public void Unknown_encodings_are_reported() => Assert.False(BinaryDecoder.IsKnown("x-uuencode"));
}
