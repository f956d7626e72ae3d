using System.IO.Pipelines;
using System.Net;
using System.Text;
using Smtp.Protocol;
using Smtp.Server;

namespace Smtp.Tests.Protocol;

/// <summary>Replies, command lines from a pipe, the trace counter, BDAT's bare CR/LF scan, xtext and the client list.</summary>
public sealed class ProtocolPiecesTests
{
    [Fact]
    public void RepliesCarryTheEnhancedCodeOnEveryLine()
    {
        Assert.Equal("250-2.0.0 a\r\n250 2.0.0 b\r\n", Encoding.ASCII.GetString(new SmtpReply(250, "2.0.0", ["a", "b"]).ToBytes()));
        Assert.Equal("220 x  ESMTP\r\n", Encoding.ASCII.GetString(new SmtpReply(220, null, "x\r\nESMTP").ToBytes())); // one reply stays one line
    }

    [Fact]
    public async Task ReadsLinesAndRefusesLongOrBareLfLines()
    {
        var pipe = new Pipe();
        var flushes = 0;
        ValueTask Flush() { flushes++; return ValueTask.CompletedTask; }
        // The pipe holds 64 KiB before the writer waits: write from another task, as a socket would.
        var writing = Task.Run(async () =>
        {
            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("EHLO a\r\nNOOP\nRSET\rX\r\n" + new string('x', 100_000) + "\r\nQUIT\r\n"));
            pipe.Writer.Complete();
        });
        Assert.Equal((CommandLineStatus.Line, "EHLO a"), await CommandLineReader.ReadAsync(pipe.Reader, 512, Flush, default));
        Assert.Equal(CommandLineStatus.BareLineEnding, (await CommandLineReader.ReadAsync(pipe.Reader, 512, Flush, default)).Status);
        Assert.Equal(CommandLineStatus.BareLineEnding, (await CommandLineReader.ReadAsync(pipe.Reader, 512, Flush, default)).Status);
        Assert.Equal(CommandLineStatus.TooLong, (await CommandLineReader.ReadAsync(pipe.Reader, 512, Flush, default)).Status);
        Assert.Equal((CommandLineStatus.Line, "QUIT"), await CommandLineReader.ReadAsync(pipe.Reader, 512, Flush, default));
        Assert.Equal(CommandLineStatus.Closed, (await CommandLineReader.ReadAsync(pipe.Reader, 512, Flush, default)).Status);
        await writing;
        Assert.True(flushes >= 1); // replies were flushed only when the reader had to wait
    }

    [Fact]
    public async Task ReadsBdatChunksExactly()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("hello worldQUIT\r\n"u8.ToArray());
        var got = new List<byte>();
        var status = await DataReader.ReadChunkAsync(pipe.Reader, 11, m => { got.AddRange(m.ToArray()); return ValueTask.CompletedTask; }, TimeSpan.FromSeconds(5), default);
        Assert.Equal(BodyReadStatus.Complete, status);
        Assert.Equal("hello world", Encoding.ASCII.GetString(got.ToArray()));
        pipe.Writer.Complete();
        Assert.Equal((CommandLineStatus.Line, "QUIT"), await CommandLineReader.ReadAsync(pipe.Reader, 512, () => ValueTask.CompletedTask, default));
    }

    [Fact]
    public async Task ADataReadCutOffMidMessageIsClosed()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("Subject: x\r\n\r\nhalf"u8.ToArray());
        pipe.Writer.Complete();
        var status = await DataReader.ReadDataAsync(pipe.Reader, new DataDecoder(), _ => ValueTask.CompletedTask, TimeSpan.FromSeconds(5), default);
        Assert.Equal(BodyReadStatus.Closed, status);
    }

    [Fact]
    public void CountsReceivedFieldsInTheHeaderOnly()
    {
        var counter = new TraceFieldCounter();
        var message = "Received: a\r\nRECEIVED:b\r\n\tfolded Received: no\r\nX-Received: no\r\nreceived: c\r\n\r\nReceived: in body\r\n";
        foreach (var b in Encoding.ASCII.GetBytes(message)) counter.Observe([b]);
        Assert.Equal(3, counter.Count);
        Assert.True(counter.HeaderEnded);
    }

    [Theory]
    [InlineData("a\r\nb\r\n", false)]
    [InlineData("a\nb", true)]
    [InlineData("a\rb", true)]
    [InlineData("a\r", true)]
    public void BdatScannerFindsBareLineEndingsAcrossChunks(string data, bool bare)
    {
        var scanner = new BareLineEndingScanner();
        foreach (var b in Encoding.ASCII.GetBytes(data)) scanner.Scan([b]);
        scanner.Finish();
        Assert.Equal(bare, scanner.Found);
    }

    [Theory]
    [InlineData("abc", true, "abc")]
    [InlineData("a+2Bb+3D", true, "a+b=")]
    [InlineData("a+2", false, "")]
    [InlineData("a=b", false, "")]
    public void DecodesXText(string text, bool ok, string decoded)
    {
        Assert.Equal(ok, XText.TryDecode(text, out var result));
        if (ok) Assert.Equal(decoded, result);
    }

    [Fact]
    public void EtrnIsLimitedPerAddressAndMinute()
    {
        var limit = new EtrnRateLimit(2);
        var now = new DateTime(2026, 12, 3, 10, 0, 5, DateTimeKind.Utc);
        var a = IPAddress.Parse("192.0.2.1");
        Assert.True(limit.TryAcquire(a, now));
        Assert.True(limit.TryAcquire(a, now.AddSeconds(10)));
        Assert.False(limit.TryAcquire(a, now.AddSeconds(20)));
        Assert.True(limit.TryAcquire(IPAddress.Parse("192.0.2.2"), now.AddSeconds(20)));   // another client
        Assert.True(limit.TryAcquire(a, now.AddMinutes(1)));                              // the next minute
    }

    [Fact]
    public void ReceivedFieldNamesProtocolTlsAndRecipient()
    {
        var tls = new Kernel.Abstractions.ConnectionTls { Protocol = "TLSv1.3", CipherSuite = "TLS_AES_256_GCM_SHA384" };
        var field = Encoding.UTF8.GetString(ReceivedField.Build("client.dom", IPAddress.Parse("127.0.0.1"), "mx.dom",
            ReceivedField.Protocol(true, true, true, false), tls, "c1.1", "a@b.dom", new DateTimeOffset(2026, 12, 3, 10, 50, 0, TimeSpan.Zero)));
        Assert.Equal("Received: from client.dom ([127.0.0.1])\r\n\tby mx.dom with ESMTPSA (TLSv1.3 TLS_AES_256_GCM_SHA384) id c1.1\r\n\tfor <a@b.dom>; Thu, 03 Dec 2026 10:50:00 +0000\r\n", field);
        Assert.Equal("SMTP", ReceivedField.Protocol(false, false, false, false));
        Assert.Equal("UTF8SMTPS", ReceivedField.Protocol(true, true, false, true));
    }
}
