namespace Kernel.Abstractions;

/// <summary>
/// How remote mail leaves (supplied by the SMTP plugin). The kernel calls it for each due message of a target
/// queue whose <see cref="RouteResult.Remote.Transport"/> equals <see cref="Name"/>; it never throws for a remote
/// failure but reports it per recipient. An exception or timeout counts as a temporary failure for every recipient.
/// </summary>
public interface IMailTransport
{
    string Name { get; }

    Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(OutboundMessage message, CancellationToken cancellationToken);
}
