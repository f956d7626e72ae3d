namespace Kernel.Abstractions;

/// <summary>
/// A message body being received (SMTP DATA/BDAT, IMAP APPEND). Each write goes straight into the store's temporary
/// file, so no whole body is ever held in memory and the bytes are not copied a second time. A concrete kind
/// (<see cref="IMessageSubmission"/>, <see cref="IMailboxAppend"/>) adds the commit. Disposing without a commit
/// aborts: the temporary file is removed and nothing is stored.
/// </summary>
public interface IIncomingMessage : IAsyncDisposable
{
    /// <summary>Bytes written so far.</summary>
    long Length { get; }

    /// <summary>Appends bytes (RFC 5322, CRLF line ends) as they arrive.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}
