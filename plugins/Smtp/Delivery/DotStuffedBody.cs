using System.Buffers;
using System.IO.Pipelines;

namespace Smtp.Delivery;

/// <summary>
/// Streams a stored message into DATA (RFC 5321 §4.5.2): a '.' that starts a line is doubled, the text ends with CRLF
/// and the terminating <c>.CRLF</c>. Chunk by chunk from the queue's body file, never the whole message in memory.
/// </summary>
internal sealed class DotStuffedBody
{
    private const int ChunkSize = 64 * 1024;
    private bool _lineStart = true;
    private byte _last1;
    private byte _last2;

    /// <summary>Copies <paramref name="body"/> to <paramref name="output"/>, flushing each chunk within <paramref name="blockTimeout"/> (RFC 5321 §4.5.3.2.5).</summary>
    public static async Task WriteAsync(Stream body, PipeWriter output, TimeSpan blockTimeout, CancellationToken cancellationToken)
    {
        var stuffer = new DotStuffedBody();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                var span = output.GetSpan(read * 2);
                var written = stuffer.Convert(chunk.AsSpan(0, read), span);
                output.Advance(written);
                await FlushAsync(output, blockTimeout, cancellationToken);
            }
            var end = output.GetSpan(5);
            var n = stuffer.Finish(end);
            output.Advance(n);
            await FlushAsync(output, blockTimeout, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Converts one chunk into <paramref name="output"/> (at least twice its length); returns the bytes written.</summary>
    public int Convert(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var o = 0;
        foreach (var b in input)
        {
            if (_lineStart && b == (byte)'.') output[o++] = (byte)'.';
            output[o++] = b;
            _lineStart = b == (byte)'\n';
            _last2 = _last1;
            _last1 = b;
        }
        return o;
    }

    /// <summary>The end of the text: CRLF if the body did not end with one (RFC 5321 §4.1.1.4), then <c>.CRLF</c>; returns the bytes written (at most 5).</summary>
    public int Finish(Span<byte> output)
    {
        var o = 0;
        var endsWithCrlf = _last2 == (byte)'\r' && _last1 == (byte)'\n';
        var empty = _last1 == 0 && _last2 == 0 && _lineStart;
        if (!endsWithCrlf && !empty)
        {
            output[o++] = (byte)'\r';
            output[o++] = (byte)'\n';
        }
        output[o++] = (byte)'.';
        output[o++] = (byte)'\r';
        output[o++] = (byte)'\n';
        return o;
    }

    private static async Task FlushAsync(PipeWriter output, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var result = await output.FlushAsync(deadline.Token);
            if (result.IsCompleted || result.IsCanceled) throw new SmtpProtocolException("the server stopped reading the message");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SmtpTimeoutException($"no progress sending the message for {timeout.TotalSeconds:0} s");
        }
    }
}
