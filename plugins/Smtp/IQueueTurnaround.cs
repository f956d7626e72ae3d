using Kernel.Abstractions;

namespace Smtp;

/// <summary>
/// The seam between the SMTP server session and the delivery side. After ATRN (RFC 2645 §4) or TURN (RFC 821) is
/// accepted, the server turns round: it becomes the SMTP client on the same connection (the peer now sends the 220
/// greeting) and delivers the held mail of <paramref name="queues"/> down it, each under an exclusive
/// <see cref="IMessageQueue.LeaseQueueAsync"/> (one turnaround session per queue at a time). Returns when every queue
/// is drained or the peer quits; per-recipient outcomes go back to the queue as for any delivery.
/// Exported by the delivery side (<c>Delivery/</c>), imported by <see cref="SmtpModule"/>.
/// </summary>
public interface IQueueTurnaround
{
    Task RunAsync(IConnection connection, IReadOnlyList<string> queues, CancellationToken cancellationToken);
}
