using System.Buffers;
using System.Text;
using Smtp.Protocol;

namespace Smtp.Tests.Protocol;

/// <summary>RFC 5321 §4.5.2 transparency and the smuggling rule of smtp.md §6, fed whole and byte by byte.</summary>
public sealed class DataDecoderTests
{
    [Theory]
    [InlineData("Subject: a\r\n\r\nbody\r\n.\r\n", "Subject: a\r\n\r\nbody\r\n")]
    [InlineData(".\r\n", "")]
    [InlineData("..leading dot\r\n.\r\n", ".leading dot\r\n")]
    [InlineData("a\r\n..\r\n.\r\n", "a\r\n.\r\n")]
    [InlineData("a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n")]
    public void RemovesTransparencyDotsAndStopsAtTheFinalDot(string wire, string message)
    {
        foreach (var chunk in new[] { 0, 1, 3 })
        {
            var (decoded, decoder, consumed) = Decode(wire + "QUIT\r\n", chunk);
            Assert.Equal(message, decoded);
            Assert.True(decoder.IsComplete);
            Assert.False(decoder.BareLineEnding);
            Assert.Equal(Encoding.ASCII.GetByteCount(wire), consumed); // the pipelined QUIT stays unread
        }
    }

    [Theory]
    [InlineData("a\n.\r\nMAIL FROM:<x@y>\r\n.\r\n")]     // bare LF before the dot: not an end (smuggling)
    [InlineData("a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n")]     // dot then bare LF
    [InlineData("a\r.\r\nMAIL FROM:<x@y>\r\n.\r\n")]     // bare CR before the dot
    [InlineData("a\r\n.\rMAIL FROM:<x@y>\r\n.\r\n")]     // dot then bare CR
    [InlineData("bare\nlf\r\n.\r\n")]
    public void BareLineEndingsNeverEndTheDataAndAreFlagged(string wire)
    {
        foreach (var chunk in new[] { 0, 1 })
        {
            var (decoded, decoder, consumed) = Decode(wire, chunk);
            Assert.True(decoder.IsComplete);
            Assert.True(decoder.BareLineEnding);
            Assert.Equal(wire.Length, consumed);
            Assert.DoesNotContain("\r\n.\r\n", decoded);
        }
    }

    [Fact]
    public void FlagsLinesOverTheTextLineLimit()
    {
        var (_, ok, _) = Decode(new string('x', 998) + "\r\n.\r\n", 0);
        Assert.False(ok.LineTooLong);
        var (_, tooLong, _) = Decode(new string('x', 999) + "\r\n.\r\n", 7);
        Assert.True(tooLong.LineTooLong);
    }

    [Fact]
    public void IncompleteDataIsNotComplete()
    {
        var (decoded, decoder, _) = Decode("half a message\r\n", 0);
        Assert.False(decoder.IsComplete);
        Assert.Equal("half a message\r\n", decoded);
    }

    private static (string Decoded, DataDecoder Decoder, int Consumed) Decode(string wire, int chunk)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        var decoder = new DataDecoder();
        var output = new ArrayBufferWriter<byte>();
        var consumed = 0;
        var size = chunk == 0 ? bytes.Length : chunk;
        for (var i = 0; i < bytes.Length && !decoder.IsComplete; i += size)
        {
            var piece = bytes.AsSpan(i, Math.Min(size, bytes.Length - i));
            consumed += decoder.Decode(piece, output);
        }
        return (Encoding.ASCII.GetString(output.WrittenSpan), decoder, consumed);
    }
}
