namespace Imap.Session;

/// <summary>
/// One buffer reused across the messages of a SEARCH for the raw looks before a parse (<see cref="RawTextFilter"/>):
/// a 10,000-message search reads into it instead of allocating a copy of every message.
/// </summary>
internal sealed class MessageReadBuffer
{
    /// <summary>A header longer than this is not looked at raw (the caller parses it).</summary>
    private const int MaxHeader = 256 * 1024;

    private byte[] _buffer = new byte[16 * 1024];

    /// <summary>
    /// The header block (RFC 5322 §2.1: up to the first empty line, which is left out; the whole message when there
    /// is none), read from <paramref name="stream"/> and no further than needed; null when it exceeds <see cref="MaxHeader"/>.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>?> ReadHeaderAsync(Stream stream, CancellationToken ct)
    {
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                if (length >= MaxHeader) return null;
                Array.Resize(ref _buffer, length * 2);
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(length), ct);
            if (read == 0) return _buffer.AsMemory(0, length);
            // Look again from two bytes back: the empty line may straddle two reads.
            var from = Math.Max(0, length - 2);
            length += read;
            if (EndOfHeader(_buffer.AsSpan(0, length), from) is { } end) return _buffer.AsMemory(0, end);
        }
    }

    /// <summary>A header block given by the store, copied into the reused buffer (the raw look changes it in place).</summary>
    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> header)
    {
        if (_buffer.Length < header.Length) _buffer = new byte[Math.Max(header.Length, _buffer.Length * 2)];
        header.CopyTo(_buffer);
        return _buffer.AsMemory(0, header.Length);
    }

    /// <summary>The whole message (the caller knows its <paramref name="size"/>), read into the reused buffer.</summary>
    public async Task<ReadOnlyMemory<byte>> ReadAllAsync(Stream stream, long size, CancellationToken ct)
    {
        if (_buffer.Length < size) _buffer = new byte[Math.Max(size, _buffer.Length * 2)];
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length) Array.Resize(ref _buffer, length * 2); // larger than announced
            var read = await stream.ReadAsync(_buffer.AsMemory(length), ct);
            if (read == 0) return _buffer.AsMemory(0, length);
            length += read;
        }
    }

    /// <summary>Where the header ends: the start of the first empty line (CRLF or a bare LF) at or after <paramref name="from"/>.</summary>
    private static int? EndOfHeader(ReadOnlySpan<byte> data, int from)
    {
        if (from == 0 && data.Length > 0 && (data[0] == '\n' || (data.Length > 1 && data[0] == '\r' && data[1] == '\n'))) return 0;
        for (var i = data[from..].IndexOf((byte)'\n'); i >= 0;)
        {
            var at = from + i + 1; // just after a LF: an empty line starts here when LF or CRLF follows
            if (at < data.Length && data[at] == '\n') return at;
            if (at + 1 < data.Length && data[at] == '\r' && data[at + 1] == '\n') return at;
            from = at;
            i = data[from..].IndexOf((byte)'\n');
        }
        return null;
    }
}
