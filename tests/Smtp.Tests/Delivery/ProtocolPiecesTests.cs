using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Smtp.Delivery;

namespace Smtp.Tests.Delivery;

/// <summary>The client-side protocol pieces without a session: reply parsing, EHLO keywords, dot-stuffing, xtext.</summary>
public sealed class ProtocolPiecesTests
{
    private static async Task<SmtpReply> ReadAsync(string wire)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(wire));
        await pipe.Writer.CompleteAsync();
        return await SmtpReplyReader.ReadAsync(pipe.Reader, CancellationToken.None);
    }

    [Theory]
    [InlineData("250 2.1.5 ok\r\n", 250, "2.1.5", "250 2.1.5 ok")]
    [InlineData("250-mx.test hello\r\n250-SIZE 10\r\n250 PIPELINING\r\n", 250, null, "250 mx.test hello SIZE 10 PIPELINING")]
    [InlineData("550 5.1.1 no such user\n", 550, "5.1.1", "550 5.1.1 no such user")]
    [InlineData("421\r\n", 421, null, "421")]
    [InlineData("550 4.1.1 class mismatch\r\n", 550, null, "550 4.1.1 class mismatch")]
    public async Task RepliesAreParsedWithTheirEnhancedCodes(string wire, int code, string? enhanced, string text)
    {
        var reply = await ReadAsync(wire);
        Assert.Equal(code, reply.Code);
        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Equal(text, reply.Text);
    }

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("250-first\r\n251 second\r\n")]
    [InlineData("25 short\r\n")]
    [InlineData("250 no end")]
    [InlineData("")]
    [InlineData("199 bad class\r\n")]
    public async Task GarbageOrAClosedConnectionIsAProtocolError(string wire)
    {
        await Assert.ThrowsAsync<SmtpProtocolException>(() => ReadAsync(wire));
    }

    [Fact]
    public async Task AnEndlessLineOrReplyIsCutOff()
    {
        await Assert.ThrowsAsync<SmtpProtocolException>(() => ReadAsync("250 " + new string('x', 10_000) + "\r\n"));
        await Assert.ThrowsAsync<SmtpProtocolException>(() => ReadAsync(string.Concat(Enumerable.Repeat("250-x\r\n", 500)) + "250 x\r\n"));
    }

    [Fact]
    public async Task PipelinedRepliesAreReadOneAfterTheOther()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("250 2.1.0 a\r\n250 2.1.5 b\r\n354 go\r\n"u8.ToArray());
        var codes = new List<int>();
        for (var i = 0; i < 3; i++) codes.Add((await SmtpReplyReader.ReadAsync(pipe.Reader, CancellationToken.None)).Code);
        Assert.Equal([250, 250, 354], codes);
    }

    [Fact]
    public void EhloKeywordsBecomeCapabilities()
    {
        var reply = new SmtpReply(250, null, ["mx.test greets you", "PIPELINING", "SIZE 35882577", "8BITMIME", "STARTTLS", "auth plain login", "DSN", "SMTPUTF8", "CHUNKING"]);
        var caps = ServerCapabilities.FromEhlo(reply);
        Assert.True(caps.Esmtp && caps.Pipelining && caps.EightBitMime && caps.StartTls && caps.Auth && caps.Dsn && caps.SmtpUtf8);
        Assert.Equal(35882577, caps.Size);
        Assert.False(caps.RequireTls);
        Assert.Equal(0, ServerCapabilities.FromEhlo(new SmtpReply(250, null, ["x", "SIZE"])).Size);
        Assert.Null(ServerCapabilities.FromEhlo(new SmtpReply(250, null, ["x"])).Size);
    }

    [Theory]
    [InlineData("a\r\n.b\r\n", "a\r\n..b\r\n.\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData("no final line end", "no final line end\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("x\r\n..y\r\n", "x\r\n...y\r\n.\r\n")]
    [InlineData("dot.in.the.middle\r\n", "dot.in.the.middle\r\n.\r\n")]
    public async Task DataIsDotStuffedAndTerminated(string body, string wire)
    {
        var pipe = new Pipe();
        await DotStuffedBody.WriteAsync(new MemoryStream(Encoding.ASCII.GetBytes(body)), pipe.Writer, TimeSpan.FromSeconds(5), CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal(wire, Encoding.ASCII.GetString(read.Buffer.ToArray()));
    }

    [Fact]
    public void DotStuffingCarriesTheLineStartAcrossChunks()
    {
        var stuffer = new DotStuffedBody();
        var output = new byte[64];
        var n = stuffer.Convert("a\r\n"u8, output);
        n += stuffer.Convert(".b\r\n"u8, output.AsSpan(n));
        n += stuffer.Finish(output.AsSpan(n));
        Assert.Equal("a\r\n..b\r\n.\r\n", Encoding.ASCII.GetString(output, 0, n));
    }

    [Theory]
    [InlineData("plain@x.test", "plain@x.test")]
    [InlineData("a+b=c d", "a+2Bb+3Dc+20d")]
    [InlineData("ü", "+C3+BC")]
    public void XTextEncodesWhatRfc3461Requires(string value, string xtext) => Assert.Equal(xtext, EsmtpParameters.XText(value));

    [Theory]
    [InlineData("rfc822;a+b@x.test", "rfc822;a+2Bb@x.test")]
    [InlineData("a@x.test", "rfc822;a@x.test")]
    public void OrcptKeepsItsAddressType(string stored, string wire) => Assert.Equal(wire, EsmtpParameters.Orcpt(stored));
}
