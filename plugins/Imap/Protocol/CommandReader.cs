using System.Buffers;
using System.IO.Pipelines;

namespace Imap.Protocol;

/// <summary>What <see cref="CommandReader.ReadLineAsync"/> found.</summary>
internal enum LineStatus
{
    Line,
    TooLong,
    EndOfStream,
}

/// <summary>
/// Reads the IMAP wire from a <see cref="PipeReader"/> with bounded buffering: lines up to CRLF (never more than
/// <see cref="ImapLimits.MaxLineLength"/> held), literals of a known size (read whole, copied out or skipped).
/// The pipe is passed on every call because STARTTLS replaces it.
/// </summary>
internal static class CommandReader
{
    /// <summary>One line without its CRLF. A longer line is consumed up to its LF and reported <see cref="LineStatus.TooLong"/>.</summary>
    public static async ValueTask<(LineStatus Status, byte[] Line)> ReadLineAsync(PipeReader input, int maxLength, CancellationToken ct)
    {
        var tooLong = false;
        while (true)
        {
            var result = await input.ReadAsync(ct);
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } end)
            {
                var lineSeq = buffer.Slice(0, end);
                byte[] line = [];
                if (!tooLong && lineSeq.Length <= maxLength)
                {
                    line = lineSeq.ToArray();
                    if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
                }
                else
                {
                    tooLong = true;
                }
                input.AdvanceTo(buffer.GetPosition(1, end));
                return (tooLong ? LineStatus.TooLong : LineStatus.Line, line);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.End);
                return (LineStatus.EndOfStream, []);
            }
            if (buffer.Length > maxLength)
            {
                // Drop what we have and keep looking for the end of the line.
                tooLong = true;
                input.AdvanceTo(buffer.End);
                continue;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes appended to <paramref name="target"/>; false at end of stream.</summary>
    public static async ValueTask<bool> ReadExactAsync(PipeReader input, long count, ArrayBufferWriter<byte> target, CancellationToken ct)
    {
        return await CopyAsync(input, count, (chunk, _) =>
        {
            target.Write(chunk.Span);
            return ValueTask.CompletedTask;
        }, ct);
    }

    /// <summary>Streams <paramref name="count"/> bytes into <paramref name="sink"/> as they arrive; false at end of stream (the client vanished).</summary>
    public static async ValueTask<bool> CopyAsync(PipeReader input, long count, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, CancellationToken ct)
    {
        var left = count;
        while (left > 0)
        {
            var result = await input.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.Length == 0 && (result.IsCompleted || result.IsCanceled))
            {
                input.AdvanceTo(buffer.End);
                return false;
            }
            var take = buffer.Slice(0, Math.Min(left, buffer.Length));
            foreach (var segment in take) await sink(segment, ct);
            left -= take.Length;
            input.AdvanceTo(take.End);
        }
        return true;
    }

    public static ValueTask<bool> SkipAsync(PipeReader input, long count, CancellationToken ct) =>
        CopyAsync(input, count, (_, _) => ValueTask.CompletedTask, ct);
}
