using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

/// <summary>
/// A streamed APPEND (<see cref="SqliteMailboxStore.BeginAppendAsync"/>): bytes go into a <see cref="BodyWriter"/>
/// (temporary file, fsync and rename at commit — the path submissions take too); the commit hands the durable body
/// to the store, which checks rights and quota again and deletes the file if it refuses. Disposing without a commit
/// removes the temporary file.
/// </summary>
internal sealed class MailboxAppend(BodyWriter writer, PendingAppend pending, Func<StoredBody, CancellationToken, Task<AppendResult>> commit) : IMailboxAppend
{
    /// <summary>Where and how the message is to be stored (a batch commit adds many in one transaction).</summary>
    internal PendingAppend Pending => pending;

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
        var stored = await CompleteAsync(cancellationToken);
        return await commit(stored, cancellationToken);
    }

    /// <summary>Makes the body durable without adding it to the mailbox (<see cref="SqliteMailboxStore.CommitAppendsAsync"/> does that for a batch).</summary>
    internal Task<StoredBody> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_committed) throw new InvalidOperationException("the message is already committed");
        _committed = true;
        return writer.CompleteAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
