using System.Buffers;
using Kernel.Abstractions;

namespace Kernel.Storage;

/// <summary>
/// A body being written into the <see cref="BodyStore"/> as it arrives. Bytes are kept in memory up to the store's
/// inline limit: a body that ends within it completes as an inline body (bytes written with its reference row, no file,
/// no fsync here). The first byte past the limit spills what is buffered to a temporary file under
/// <c>bodies/tmp/</c> and the rest follows it there, so a large message is never held in memory; <see cref="CompleteAsync"/>
/// then fsyncs the file and renames it into place, so the body is either whole under its final name or not there;
/// the name becomes durable at the folder sync its committer shares (<see cref="BodyStore.SyncPublishedFolders"/>).
/// Disposing an uncompleted writer drops the buffer and deletes the temporary file.
/// The one write path for queue submissions and mailbox appends (streamed or not).
/// </summary>
public sealed class BodyWriter : IAsyncDisposable
{
    // The first buffer; it doubles up to the limit, so a 5 KB message never holds 64 KiB.
    private const int InitialBuffer = 8 * 1024;
    private const int CopyChunk = 64 * 1024;

    private readonly BodyStore _store;
    private readonly int _limit;
    private byte[] _buffer = [];
    private FileStream? _file;         // set once the body outgrew the limit
    private string? _fileId, _tmpPath;
    private StoredBody? _completed;
    private bool _aborted;

    internal BodyWriter(BodyStore store, int inlineLimit)
    {
        _store = store;
        _limit = inlineLimit;
    }

    public long Length { get; private set; }

    /// <summary>Whether the bytes so far went to a temporary file (the body outgrew the inline limit).</summary>
    public bool Spilled => _file is not null || _tmpPath is not null;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (_completed is not null || _aborted) throw new InvalidOperationException("the body is already completed or aborted");
        if (_file is null && _limit > 0 && Length + data.Length <= _limit)
        {
            Buffer(data.Span);
            return;
        }
        var file = _file ?? Spill();
        await file.WriteAsync(data, cancellationToken);
        Length += data.Length;
    }

    public async Task CopyFromAsync(Stream source, CancellationToken cancellationToken = default)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(CopyChunk);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk.AsMemory(0, CopyChunk), cancellationToken)) > 0)
                await WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private void Buffer(ReadOnlySpan<byte> data)
    {
        var needed = (int)Length + data.Length;
        if (needed > _buffer.Length)
        {
            var size = Math.Max(_buffer.Length, Math.Min(InitialBuffer, _limit));
            while (size < needed) size = (int)Math.Min((long)size * 2, _limit);
            Array.Resize(ref _buffer, size);
        }
        data.CopyTo(_buffer.AsSpan((int)Length));
        Length = needed;
    }

    /// <summary>Past the limit: the temporary file takes what was buffered, and the buffer is let go.</summary>
    private FileStream Spill()
    {
        (_fileId, _tmpPath) = _store.NewFile();
        var file = new FileStream(_tmpPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        _file = file;
        // Synchronous: at most the limit, into the FileStream's own buffer and one write (files have no async I/O on Linux).
        file.Write(_buffer, 0, (int)Length);
        _buffer = [];
        return file;
    }

    /// <summary>Makes buffered bytes visible to <see cref="ReadView"/> (not durable yet).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_file is { } file) await file.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// The bytes written so far as a body (call <see cref="FlushAsync"/> first): what server-wide rules read before the
    /// commit, without a copy. Valid until the writer completes or is disposed.
    /// </summary>
    public MessageBody ReadView() => _tmpPath is { } path ? new TemporaryBody(path, Length) : new BufferedBody(_buffer, (int)Length);

    /// <summary>
    /// Within the limit: the bytes become an inline body, durable with the commit of the row that references it.
    /// Else fsync, then rename into place: after this the file's bytes are durable, its name once the committer of the
    /// row that references it has run <see cref="BodyStore.SyncPublishedFolders"/> (before that commit).
    /// </summary>
    public async Task<StoredBody> CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed is not null) return _completed;
        if (_aborted) throw new InvalidOperationException("the body was aborted");
        cancellationToken.ThrowIfCancellationRequested();
        if (!Spilled && _limit > 0)
        {
            var data = _buffer.Length == Length ? _buffer : _buffer.AsSpan(0, (int)Length).ToArray();
            _buffer = [];
            return _completed = _store.CreateInline(data);
        }
        var file = _file ?? Spill(); // limit 0: even an empty body is a file
        // One synchronous write of what is buffered, then fsync (before the rename makes the name visible): an
        // asynchronous flush would only hand the same write to a thread-pool thread (files have no async I/O on Linux)
        // just before this thread blocks in fsync anyway.
        file.Flush(flushToDisk: true);
        Length = file.Length;
        await file.DisposeAsync();
        _file = null;
        _completed = _store.Publish(_fileId!, _tmpPath!, Length);
        return _completed;
    }

    /// <summary>Aborts unless completed: the buffer is dropped, the temporary file removed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_completed is null) _aborted = true;
        _buffer = [];
        if (_file is { } file)
        {
            _file = null;
            // Closing flushes what is buffered; on a full disk that fails, and the file is being removed anyway.
            try { await file.DisposeAsync(); } catch (IOException) { }
        }
        if (_completed is null && _tmpPath is not null)
        {
            try { File.Delete(_tmpPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private sealed class TemporaryBody(string path, long length) : MessageBody
    {
        public override long Length => length;

        // The writer still has the file open for writing, so readers must share write access.
        public override Stream OpenRead() =>
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
    }

    private sealed class BufferedBody(byte[] buffer, int length) : MessageBody
    {
        public override long Length => length;

        public override Stream OpenRead() => new MemoryStream(buffer, 0, length, writable: false);
    }
}
