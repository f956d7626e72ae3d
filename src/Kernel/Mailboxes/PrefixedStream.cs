namespace Kernel.Mailboxes;

/// <summary>
/// A read-only, seekable stream over a prefix in memory and then a seekable inner stream (the body file), so byte
/// ranges (<see cref="BodyRangeStream"/>) and the structure parser see prefix + body as one message without a copy.
/// Owns (and disposes) the inner stream.
/// </summary>
internal sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => prefix.Length + inner.Length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefix.Length) return FromPrefix(buffer);
        var read = inner.Read(buffer);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < prefix.Length) return FromPrefix(buffer.Span);
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _position += read;
        return read;
    }

    /// <summary>Copies what is left of the prefix (at most <paramref name="buffer"/>'s size); a read never spans both parts.</summary>
    private int FromPrefix(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, prefix.Length - _position);
        prefix.AsSpan((int)_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        if (target < 0) throw new IOException("seek before the start of the message");
        _position = target;
        inner.Seek(Math.Max(0, target - prefix.Length), SeekOrigin.Begin);
        return _position;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
