using System.Text;
using Imap.Session;

namespace Imap.Tests.Session;

/// <summary>
/// The SEARCH HEADER pre-check: the header block is read up to the empty line into one reused buffer, and a message is
/// ruled out only when no unfolded, undecoded field value can hold the text.
/// </summary>
public sealed class HeaderPrecheckTests
{
    private static bool May(string header, string needle) => RawTextFilter.HeaderMayContain(Encoding.Latin1.GetBytes(header), needle);

    [Fact]
    public void A_plain_header_without_the_text_is_ruled_out_and_with_it_in_any_case_is_not()
    {
        const string header = "From: a@example.com\r\nSubject: benchmark message 300042\r\n";
        Assert.False(May(header, "message 300043"));
        Assert.True(May(header, "MESSAGE 300042"));
        Assert.True(May(header, "a@EXAMPLE"));
    }

    [Fact]
    public void Folded_values_match_as_unfolded()
    {
        Assert.True(May("Subject: folded\r\n report\r\n", "folded report"));
        Assert.True(May("Subject: folded\n\treport\n", "folded\treport"));
        Assert.False(May("Subject: folded\r\n report\r\n", "folded  report"));
    }

    [Theory]
    [InlineData("Subject: =?utf-8?q?r=C3=A9port?=\r\n", "report")] // RFC 2047: decoding may make it appear
    [InlineData("Subject: r\u00e9port\r\n", "report")] // 8-bit header
    [InlineData("Subject: plain\r\n", "r\u00e9port")] // non-ASCII needle
    [InlineData("Subject: plain\r\n", "")] // HEADER field "": any field of that name
    [InlineData("", "x")] // no header read: parse
    public void Anything_decoding_could_change_is_left_to_the_parser(string header, string needle)
    {
        Assert.True(May(header, needle));
    }

    [Theory]
    [InlineData("Subject: a\r\n\r\nbody Subject: b\r\n", "Subject: a\r\n")]
    [InlineData("Subject: a\n\nbody\n", "Subject: a\n")]
    [InlineData("Subject: header only", "Subject: header only")]
    [InlineData("\r\nbody only\r\n", "")]
    public async Task The_header_block_ends_at_the_first_empty_line(string message, string header)
    {
        var buffer = new MessageReadBuffer();
        // One byte per read: the empty line straddles reads.
        await using var stream = new TrickleStream(Encoding.ASCII.GetBytes(message));
        var read = await buffer.ReadHeaderAsync(stream, CancellationToken.None);
        Assert.Equal(header, Encoding.ASCII.GetString(read!.Value.Span));
    }

    [Fact]
    public async Task A_header_longer_than_the_limit_is_not_read_and_a_long_message_is_read_whole()
    {
        var buffer = new MessageReadBuffer();
        var huge = Encoding.ASCII.GetBytes("X-Long: " + new string('a', 300 * 1024) + "\r\n\r\nbody");
        await using (var stream = new MemoryStream(huge)) Assert.Null(await buffer.ReadHeaderAsync(stream, CancellationToken.None));
        await using (var stream = new MemoryStream(huge)) Assert.Equal(huge, (await buffer.ReadAllAsync(stream, 10, CancellationToken.None)).ToArray());
        await using (var stream = new MemoryStream("Subject: b\r\n\r\n"u8.ToArray()))
            Assert.Equal("Subject: b\r\n", Encoding.ASCII.GetString((await buffer.ReadHeaderAsync(stream, CancellationToken.None))!.Value.Span));
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
