using System.Text;

namespace SubmitProbe;

/// <summary>Buffered reads of request lines (LF or CRLF ended) and exact-length message bytes from one connection.</summary>
internal sealed class RequestReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>One request line: <see cref="Text"/> without its line end, null at end of stream; <see cref="TooLong"/> past the limit.</summary>
    public readonly record struct Line(string? Text, bool TooLong);

    /// <summary>The next line; reading stops (TooLong) once it exceeds <paramref name="maxLength"/> bytes.</summary>
    public async Task<Line> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                if (!await FillAsync(cancellationToken)) return new Line(line.Count == 0 ? null : Decode(line), false);
            }
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var take = (newline < 0 ? _end : newline) - _start;
            line.AddRange(new ArraySegment<byte>(_buffer, _start, take));
            _start += take;
            if (line.Count > maxLength) return new Line(null, true);
            if (newline >= 0)
            {
                _start++; // the LF
                return new Line(Decode(line), false);
            }
        }
    }

    /// <summary>Fills <paramref name="target"/> completely; false when the stream ended first.</summary>
    public async Task<bool> ReadExactlyAsync(byte[] target, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < target.Length)
        {
            if (_start == _end && !await FillAsync(cancellationToken)) return false;
            var take = Math.Min(_end - _start, target.Length - filled);
            Buffer.BlockCopy(_buffer, _start, target, filled, take);
            _start += take;
            filled += take;
        }
        return true;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }

    private static string Decode(List<byte> line)
    {
        var count = line.Count > 0 && line[^1] == '\r' ? line.Count - 1 : line.Count;
        return Encoding.Latin1.GetString(line.GetRange(0, count).ToArray());
    }
}
