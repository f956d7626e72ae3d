namespace Kernel.Abstractions;

/// <summary>
/// A streamed APPEND (<see cref="IMailboxStore.BeginAppendAsync"/>): the rights on the target were checked before
/// the client sends its literal; the bytes go straight into the body store as they arrive (the same write path as a
/// submission); <see cref="CommitAsync"/> checks the rights and the owner's quota again and adds the message.
/// Disposing without a commit stores nothing and removes the temporary file.
/// </summary>
public interface IMailboxAppend : IIncomingMessage
{
    /// <summary>Adds the message to the mailbox; RFC 4315 APPENDUID data. Throws <see cref="MailboxException"/> (NOPERM, OVERQUOTA, NONEXISTENT…) and then nothing is stored.</summary>
    Task<AppendResult> CommitAsync(CancellationToken cancellationToken = default);
}
