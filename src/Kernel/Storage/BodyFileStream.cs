using Microsoft.Win32.SafeHandles;

namespace Kernel.Storage;

/// <summary>
/// A stored body file read by offset (<see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>, pread), what
/// <see cref="StoredBody.OpenRead"/> gives. Cheaper per message than a <see cref="FileStream"/> (issue 11, IMAP FETCH
/// of many small bodies): no buffer, no strategy objects, and an asynchronous read completes synchronously — on Unix
/// FileStream runs a read of a regular file as a thread-pool work item plus a continuation, which cost more CPU than
/// the read itself (the bytes of a body just fetched are in the page cache; Dovecot reads them the same way).
/// Bodies are never written after they are stored, so the length checked at open is the length read.
/// </summary>
internal sealed class BodyFileStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;
    private long _position;

    public BodyFileStream(SafeFileHandle handle, long length)
    {
        _handle = handle;
        _length = length;
    }

    public override bool CanRead => !_handle.IsClosed;
    public override bool CanSeek => !_handle.IsClosed;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(Span<byte> buffer)
    {
        var left = _length - _position;
        if (left <= 0 || buffer.IsEmpty) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        var read = RandomAccess.Read(_handle, buffer, _position);
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        if (target < 0) throw new IOException("seek before the start of the stream");
        _position = target;
        return target;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _handle.Dispose();
        base.Dispose(disposing);
    }
}
