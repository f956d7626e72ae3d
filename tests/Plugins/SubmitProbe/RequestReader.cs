using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace SubmitProbe;

/// <summary>Request lines (LF or CRLF ended) and exact-length message bytes from one connection's input pipe.</summary>
internal sealed class RequestReader(PipeReader input)
{
    /// <summary>One request line: <see cref="Text"/> without its line end, null at end of stream; <see cref="TooLong"/> past the limit.</summary>
    public readonly record struct Line(string? Text, bool TooLong);

    /// <summary>The next line; reading stops (TooLong) once it exceeds <paramref name="maxLength"/> bytes.</summary>
    public async Task<Line> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                if (line.Length > maxLength)
                {
                    input.AdvanceTo(buffer.GetPosition(1, end));
                    return new Line(null, true);
                }
                var text = Encoding.Latin1.GetString(line).TrimEnd('\r');
                input.AdvanceTo(buffer.GetPosition(1, end));
                return new Line(text, false);
            }
            if (buffer.Length > maxLength)
            {
                input.AdvanceTo(buffer.End);
                return new Line(null, true);
            }
            if (result.IsCompleted)
            {
                var text = buffer.Length == 0 ? null : Encoding.Latin1.GetString(buffer).TrimEnd('\r');
                input.AdvanceTo(buffer.End);
                return new Line(text, false);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Fills <paramref name="target"/> completely; false when the stream ended first.</summary>
    public async Task<bool> ReadExactlyAsync(byte[] target, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < target.Length)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, target.Length - filled);
            buffer.Slice(0, take).CopyTo(target.AsSpan(filled));
            filled += take;
            input.AdvanceTo(buffer.GetPosition(take));
            if (filled < target.Length && result.IsCompleted) return false;
        }
        return true;
    }
}
