namespace Imap.Session;

/// <summary>
/// One buffer reused across the messages of a SEARCH for the raw looks before a parse (<see cref="RawTextFilter"/>):
/// a 10,000-message search reads into it instead of allocating a copy of every message.
/// </summary>
internal sealed class MessageReadBuffer
{
    private byte[] _buffer = new byte[16 * 1024];

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
}
