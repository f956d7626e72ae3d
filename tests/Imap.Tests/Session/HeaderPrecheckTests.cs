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

    // Where a header block ends is the store's (MessageHeaderBlock, Kernel.Tests MessageHeaderCacheTests); the search
    // only copies the block it is given into its reused buffer.
    [Fact]
    public async Task The_reused_buffer_takes_a_given_block_and_reads_a_message_longer_than_announced_whole()
    {
        var buffer = new MessageReadBuffer();
        var huge = Encoding.ASCII.GetBytes("X-Long: " + new string('a', 300 * 1024) + "\r\n\r\nbody");
        Assert.Equal(huge, buffer.Copy(huge).ToArray());
        await using (var stream = new TrickleStream(huge)) Assert.Equal(huge, (await buffer.ReadAllAsync(stream, 10, CancellationToken.None)).ToArray());
        Assert.Equal("Subject: b\r\n", Encoding.ASCII.GetString(buffer.Copy("Subject: b\r\n"u8).Span));
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
