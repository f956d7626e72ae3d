namespace Kernel.Mailboxes;

/// <summary>
/// What the mailbox store's read-only, seekable views of stored messages (<see cref="BodyRangeStream"/>,
/// <see cref="PrefixedStream"/>) have in common: reads and seeks only, the array overloads forwarded to the span ones,
/// a position of their own over an inner stream (the body file) that they own and dispose.
/// </summary>
internal abstract class ReadOnlyWindowStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    /// <summary>Where the next read starts, in this stream's own coordinates.</summary>
    protected long Current { get; set; }

    public sealed override long Position
    {
        get => Current;
        set => Seek(value, SeekOrigin.Begin);
    }

    public sealed override bool CanRead => true;
    public sealed override bool CanSeek => true;
    public sealed override bool CanWrite => false;

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public abstract override int Read(Span<byte> buffer);

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Where a seek lands in this stream's coordinates (not yet clamped to its end); before the start is an error.</summary>
    protected long SeekTarget(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Current + offset,
            _ => Length + offset,
        };
        if (target < 0) throw new IOException("seek before the start of the stream");
        return target;
    }

    public sealed override void Flush() { }
    public sealed override void SetLength(long value) => throw new NotSupportedException();
    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => Inner.DisposeAsync();
}
