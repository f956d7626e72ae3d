namespace Kernel.Mailboxes;

/// <summary>
/// A read-only window onto a stored body file (<see cref="IMailboxView.OpenRangeAsync"/>): reads go to the file as
/// the caller reads, so a FETCH of one part never loads the message. A window past the end is cut at the end.
/// Owns (and disposes) the inner stream.
/// </summary>
internal sealed class BodyRangeStream : ReadOnlyWindowStream
{
    private readonly long _start;
    private readonly long _length;

    public BodyRangeStream(Stream inner, long offset, long length) : base(inner)
    {
        _start = Math.Min(offset, inner.Length);
        _length = Math.Min(length, inner.Length - _start);
        Inner.Seek(_start, SeekOrigin.Begin);
    }

    public override long Length => _length;

    public override int Read(Span<byte> buffer)
    {
        var left = _length - Current;
        if (left <= 0) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        var read = Inner.Read(buffer);
        Current += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var left = _length - Current;
        if (left <= 0) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        var read = await Inner.ReadAsync(buffer, cancellationToken);
        Current += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Current = Math.Min(SeekTarget(offset, origin), _length);
        Inner.Seek(_start + Current, SeekOrigin.Begin);
        return Current;
    }
}
