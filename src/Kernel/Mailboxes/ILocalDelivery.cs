using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

/// <summary>
/// Kernel-internal fast path for the delivery pipeline: append many already-stored bodies to mailboxes in one
/// transaction as the System principal (group commit). Each item gets its own result; one bad item (no such
/// mailbox, over quota) does not fail the others. An item with a <see cref="LocalDeliveryItem.DeliveryKey"/> already
/// delivered (in an earlier call or earlier in the same batch) is not stored again: its result is the earlier append's.
/// </summary>
public interface ILocalDelivery
{
    Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default);
}
