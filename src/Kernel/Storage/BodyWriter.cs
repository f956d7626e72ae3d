using Kernel.Abstractions;

namespace Kernel.Storage;

/// <summary>
/// A body being written into the <see cref="BodyStore"/> as it arrives: bytes go to a temporary file under
/// <c>bodies/tmp/</c>; <see cref="CompleteAsync"/> fsyncs it and renames it into place, so the body is either whole
/// under its final name or not there; the name becomes durable at the folder sync its committer shares
/// (<see cref="BodyStore.SyncPublishedFolders"/>). Disposing an uncompleted writer deletes the temporary file.
/// The one write path for queue submissions and mailbox appends (streamed or not).
/// </summary>
public sealed class BodyWriter : IAsyncDisposable
{
    private readonly BodyStore _store;
    private readonly string _tmpPath;
    private FileStream? _file;
    private StoredBody? _completed;

    internal BodyWriter(BodyStore store, string id, string tmpPath)
    {
        _store = store;
        Id = id;
        _tmpPath = tmpPath;
        _file = new FileStream(tmpPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
    }

    public string Id { get; }

    public long Length { get; private set; }

    /// <summary>The temporary file, readable while writing (server-wide rules read the header before the commit).</summary>
    public string TemporaryPath => _tmpPath;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var file = _file ?? throw new InvalidOperationException("the body is already completed or aborted");
        await file.WriteAsync(data, cancellationToken);
        Length += data.Length;
    }

    public async Task CopyFromAsync(Stream source, CancellationToken cancellationToken = default)
    {
        var file = _file ?? throw new InvalidOperationException("the body is already completed or aborted");
        var before = file.Position;
        await source.CopyToAsync(file, cancellationToken);
        Length += file.Position - before;
    }

    /// <summary>Makes buffered bytes visible to readers of <see cref="TemporaryPath"/> (not durable yet).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_file is { } file) await file.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// The bytes written so far as a body (call <see cref="FlushAsync"/> first): what server-wide rules read before the
    /// commit, without a copy. Valid until the writer completes or is disposed.
    /// </summary>
    public MessageBody ReadView() => new TemporaryBody(_tmpPath, Length);

    /// <summary>
    /// fsync, then rename into place: after this the file's bytes are durable, its name once the committer of the row
    /// that references it has run <see cref="BodyStore.SyncPublishedFolders"/> (before that commit).
    /// </summary>
    public async Task<StoredBody> CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed is not null) return _completed;
        var file = _file ?? throw new InvalidOperationException("the body was aborted");
        // One synchronous write of what is buffered, then fsync (before the rename makes the name visible): an
        // asynchronous flush would only hand the same write to a thread-pool thread (files have no async I/O on Linux)
        // just before this thread blocks in fsync anyway.
        cancellationToken.ThrowIfCancellationRequested();
        file.Flush(flushToDisk: true);
        Length = file.Length;
        await file.DisposeAsync();
        _file = null;
        _completed = _store.Publish(Id, _tmpPath, Length);
        return _completed;
    }

    /// <summary>Aborts unless completed: the temporary file is removed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_file is { } file)
        {
            _file = null;
            // Closing flushes what is buffered; on a full disk that fails, and the file is being removed anyway.
            try { await file.DisposeAsync(); } catch (IOException) { }
        }
        if (_completed is null)
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
}
