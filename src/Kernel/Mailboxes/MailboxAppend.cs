using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

/// <summary>
/// A streamed APPEND (<see cref="SqliteMailboxStore.BeginAppendAsync"/>): bytes go into a <see cref="BodyWriter"/>
/// (temporary file, fsync and rename at commit — the path submissions take too); the commit hands the durable body
/// to the store, which checks rights and quota again and deletes the file if it refuses. Disposing without a commit
/// removes the temporary file.
/// </summary>
internal sealed class MailboxAppend(BodyWriter writer, Func<StoredBody, CancellationToken, Task<AppendResult>> commit) : IMailboxAppend
{
    private bool _committed;

    public long Length => writer.Length;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (_committed) throw new InvalidOperationException("the message is already committed");
        return writer.WriteAsync(data, cancellationToken);
    }

    /// <summary>Copies a whole body (the non-streamed <see cref="IMailboxStore.AppendAsync"/>).</summary>
    internal Task CopyFromAsync(Stream source, CancellationToken cancellationToken) => writer.CopyFromAsync(source, cancellationToken);

    public async Task<AppendResult> CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed) throw new InvalidOperationException("the message is already committed");
        _committed = true;
        var stored = await writer.CompleteAsync(cancellationToken);
        return await commit(stored, cancellationToken);
    }

    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
