using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Imap.Protocol;

namespace Imap.Tests.Protocol;

public sealed class CommandReaderTests
{
    private static async Task<Pipe> PipeWith(string text, bool complete = true)
    {
        // no back-pressure: the whole input is written before the reader runs
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(text));
        if (complete) await pipe.Writer.CompleteAsync();
        return pipe;
    }

    [Fact]
    public async Task Reads_lines_and_literals()
    {
        var pipe = await PipeWith("a1 LOGIN {5}\r\nalice pw\r\nnext\r\n");
        var (status, line) = await CommandReader.ReadLineAsync(pipe.Reader, 100, default);
        Assert.Equal(LineStatus.Line, status);
        Assert.Equal("a1 LOGIN {5}", Encoding.ASCII.GetString(line));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(await CommandReader.ReadExactAsync(pipe.Reader, 5, buffer, default));
        Assert.Equal("alice", Encoding.ASCII.GetString(buffer.WrittenSpan));
        (_, line) = await CommandReader.ReadLineAsync(pipe.Reader, 100, default);
        Assert.Equal(" pw", Encoding.ASCII.GetString(line));
        (_, line) = await CommandReader.ReadLineAsync(pipe.Reader, 100, default);
        Assert.Equal("next", Encoding.ASCII.GetString(line));
        (status, _) = await CommandReader.ReadLineAsync(pipe.Reader, 100, default);
        Assert.Equal(LineStatus.EndOfStream, status);
    }

    [Fact]
    public async Task A_long_line_is_reported_and_skipped_without_buffering_it()
    {
        var pipe = await PipeWith(new string('x', 100_000) + "\r\na2 NOOP\r\n");
        var (status, _) = await CommandReader.ReadLineAsync(pipe.Reader, 1000, default);
        Assert.Equal(LineStatus.TooLong, status);
        var (next, line) = await CommandReader.ReadLineAsync(pipe.Reader, 1000, default);
        Assert.Equal(LineStatus.Line, next);
        Assert.Equal("a2 NOOP", Encoding.ASCII.GetString(line));
    }

    [Fact]
    public async Task A_literal_cut_short_reports_the_end_of_stream()
    {
        var pipe = await PipeWith("abc");
        var copied = 0L;
        Assert.False(await CommandReader.CopyAsync(pipe.Reader, 10, (m, _) => { copied += m.Length; return ValueTask.CompletedTask; }, default));
        Assert.Equal(3, copied);
    }

    [Fact]
    public async Task Response_writer_keeps_the_order_of_small_writes_large_writes_and_direct_pipe_use_across_blocks()
    {
        // Small writes gather in a block of the pipe's memory; a large write, or a caller that takes the pipe itself
        // (a literal streamed into it), must find everything before it already handed over, in order.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var w = new ResponseWriter(() => pipe.Writer);
        var expected = new StringBuilder();
        for (var i = 0; i < 3000; i++)
        {
            var flags = new string('x', i % 37); // strings and numbers of every length meet the block's end
            w.Raw("* ").Number(i).Raw(" FETCH (UID "u8).Number((ulong)i + 7).Raw(" FLAGS (" + flags).Raw(")\r\n"u8);
            expected.Append($"* {i} FETCH (UID {i + 7} FLAGS ({flags})\r\n");
            if (i % 700 == 0)
            {
                var large = new string((char)('a' + i % 26), 20_000);
                w.Raw(large).Raw(Encoding.ASCII.GetBytes(large));
                expected.Append(large).Append(large);
            }
            if (i % 900 == 0)
            {
                w.Output.Write("direct"u8);
                expected.Append("direct");
            }
            if (i % 1000 == 0) Assert.Equal(Encoding.ASCII.GetByteCount(expected.ToString()), w.Unflushed);
        }
        await w.FlushAsync(default);
        Assert.Equal(0, w.Unflushed);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(result.Buffer.ToArray()));
    }

    [Fact]
    public async Task Response_writer_quotes_or_uses_literals()
    {
        var pipe = new Pipe();
        var w = new ResponseWriter(() => pipe.Writer);
        w.String("plain \"q\"").Sp().String("two\r\nlines").Sp().NString(null).Sp().Mailbox("Entwürfe").Sp().AString("NIL");
        await w.FlushAsync(default);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        Assert.Equal("\"plain \\\"q\\\"\" {10}\r\ntwo\r\nlines NIL Entw&APw-rfe \"NIL\"", Encoding.UTF8.GetString(result.Buffer.ToArray()));
    }
}
