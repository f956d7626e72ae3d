using System.Text;
using Imap.Session;

namespace Imap.Tests.Session;

/// <summary>The SEARCH BODY pre-check says "no" only when decoding cannot make the text appear.</summary>
public sealed class RawTextFilterTests
{
    private static bool May(string message, string needle) => RawTextFilter.MayContain(Encoding.Latin1.GetBytes(message), needle);

    private const string Plain = "Subject: hi\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nlorem ipsum dolor\r\n";

    [Fact]
    public void Plain_ascii_message_without_the_text_is_skipped()
    {
        Assert.False(May(Plain, "xyzzy"));
        Assert.False(May("Subject: hi\r\n\r\nno content type at all\r\n", "xyzzy"));
    }

    [Fact]
    public void The_text_in_any_case_may_match()
    {
        Assert.True(May(Plain, "IPSUM"));
        Assert.True(May(Plain, "Dolor"));
        Assert.True(May(Plain, "m i")); // across a word boundary
    }

    [Theory]
    [InlineData("Content-Transfer-Encoding: base64\r\n\r\neHl6enk=\r\n")] // "xyzzy"
    [InlineData("Content-Transfer-Encoding: quoted-printable\r\n\r\nxy=\r\nzzy\r\n")]
    [InlineData("Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n")]
    [InlineData("Content-Transfer-Encoding:\r\n base64\r\n\r\neHl6enk=\r\n")] // folded value
    [InlineData("Content-Type: text/plain; charset=utf-16\r\n\r\nx\0y\0z\0z\0y\0\r\n")]
    [InlineData("Content-Type: text/plain; charset=\"UTF-7\"\r\n\r\n+AHgAeQB6AHoAeQ-\r\n")]
    [InlineData("Content-Type: text/plain; charset*=utf-16''\r\n\r\nx\0y\0\r\n")] // RFC 2231
    [InlineData("Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\u001b$B\r\n")]
    public void Encodings_that_change_7bit_bytes_are_parsed(string message)
    {
        Assert.True(May("Subject: hi\r\n" + message, "xyzzy"));
    }

    [Fact]
    public void Eight_bit_bytes_or_a_non_ascii_needle_are_parsed()
    {
        // windows-1254 0xFD is the dotless ı, which folds to I: "fıle" matches FILE ignoring case
        Assert.True(May("Content-Type: text/plain; charset=windows-1254\r\n\r\nf\u00fdle\r\n", "FILE"));
        Assert.True(May(Plain, "d\u00f6lor"));
    }

    [Fact]
    public void Identity_charsets_and_encodings_are_skipped()
    {
        Assert.False(May("Content-Type: text/plain; charset=\"ISO-8859-1\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhello\r\n", "xyzzy"));
        Assert.False(May("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8BIT\r\n\r\nhello\r\n", "xyzzy"));
    }
}
