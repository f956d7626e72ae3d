namespace Kernel.Abstractions;

/// <summary>
/// A message being submitted to the queue as it arrives (SMTP DATA/BDAT), begun with
/// <see cref="IMessageQueue.BeginSubmitAsync"/>. Writes go straight into the body store's temporary file.
/// Storage failures while writing do not throw: the submission remembers them and <see cref="CommitAsync"/> reports
/// them as a temporary rejection, so the protocol can read the rest of the data and answer once. Bytes beyond the
/// queue's size limit are not stored (the commit answers 5.3.4). Disposing without a commit aborts: the temporary
/// file is removed and nothing is queued.
/// </summary>
public interface IMessageSubmission : IIncomingMessage
{
    /// <summary>The envelope given when the submission began (already validated).</summary>
    Envelope Envelope { get; }

    /// <summary>
    /// Ends the body and submits it: fsync, the server-wide rules on the header, the durable commit (shared with
    /// concurrent submissions), then the id. Returns a rejection instead of throwing for anything the client or the
    /// server's state caused; a second call returns the first result. Throws only <see cref="OperationCanceledException"/>
    /// (then nothing is queued), <see cref="ObjectDisposedException"/> after an abort and
    /// <see cref="InvalidOperationException"/> while another commit call on the same submission is running.
    /// </summary>
    Task<SubmitResult> CommitAsync(CancellationToken cancellationToken = default);
}
