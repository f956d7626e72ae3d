using System.Buffers;
using System.IO.Pipelines;

namespace Smtp.Protocol;

/// <summary>How a DATA or BDAT body read ended.</summary>
internal enum BodyReadStatus
{
    Complete,

    /// <summary>The client closed mid-body (or the kernel's idle timeout closed it): nothing may be queued.</summary>
    Closed,
}

/// <summary>
/// Streams a body from the connection into a sink without holding the message: DATA through <see cref="DataDecoder"/>
/// up to the final dot, BDAT as exactly the chunk's octets (RFC 3030 §2). Each read is bounded by a per-block timeout
/// (RFC 5321 §4.5.3.2.5, 3 minutes per data block), given as <paramref name="blockTimeout"/>.
/// </summary>
internal static class DataReader
{
    public static async Task<BodyReadStatus> ReadDataAsync(PipeReader input, DataDecoder decoder, Func<ReadOnlyMemory<byte>, ValueTask> sink,
        TimeSpan blockTimeout, CancellationToken cancellationToken)
    {
        var decoded = new ArrayBufferWriter<byte>(16 * 1024);
        using var deadline = new ReadDeadline(cancellationToken);
        while (true)
        {
            var read = await ReadBlockAsync(input, blockTimeout, deadline);
            var buffer = read.Buffer;
            var consumed = buffer.Start;
            foreach (var segment in buffer)
            {
                var used = decoder.Decode(segment.Span, decoded);
                consumed = buffer.GetPosition(used, consumed);
                if (decoded.WrittenCount > 0)
                {
                    await sink(decoded.WrittenMemory);
                    decoded.ResetWrittenCount();
                }
                if (decoder.IsComplete) break;
            }
            if (decoder.IsComplete)
            {
                input.AdvanceTo(consumed);
                return BodyReadStatus.Complete;
            }
            input.AdvanceTo(buffer.End);
            if (read.IsCompleted || read.IsCanceled) return BodyReadStatus.Closed;
        }
    }

    public static async Task<BodyReadStatus> ReadChunkAsync(PipeReader input, long size, Func<ReadOnlyMemory<byte>, ValueTask> sink,
        TimeSpan blockTimeout, CancellationToken cancellationToken)
    {
        var left = size;
        using var deadline = new ReadDeadline(cancellationToken);
        while (left > 0)
        {
            var read = await ReadBlockAsync(input, blockTimeout, deadline);
            var buffer = read.Buffer;
            var take = buffer.Slice(0, Math.Min(left, buffer.Length));
            foreach (var segment in take) await sink(segment);
            left -= take.Length;
            input.AdvanceTo(take.End);
            if (left > 0 && (read.IsCompleted || read.IsCanceled)) return BodyReadStatus.Closed;
        }
        return BodyReadStatus.Complete;
    }

    private static async ValueTask<ReadResult> ReadBlockAsync(PipeReader input, TimeSpan timeout, ReadDeadline deadline)
    {
        if (input.TryRead(out var ready)) return ready;
        try
        {
            return await input.ReadAsync(deadline.Start(timeout));
        }
        finally
        {
            deadline.Stop();
        }
    }
}
