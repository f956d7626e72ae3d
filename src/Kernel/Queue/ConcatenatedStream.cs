namespace Kernel.Queue;

/// <summary>A read-only stream that reads one stream and then another (an edited header, then the original body).</summary>
internal sealed class ConcatenatedStream(Stream first, Stream second) : Stream
{
    private bool _firstDone;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (!_firstDone)
        {
            var n = first.Read(buffer, offset, count);
            if (n > 0) return n;
            _firstDone = true;
        }
        return second.Read(buffer, offset, count);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_firstDone)
        {
            var n = await first.ReadAsync(buffer, cancellationToken);
            if (n > 0) return n;
            _firstDone = true;
        }
        return await second.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) { first.Dispose(); second.Dispose(); }
        base.Dispose(disposing);
    }
}
