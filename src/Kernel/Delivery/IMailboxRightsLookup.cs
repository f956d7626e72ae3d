using Kernel.Abstractions;

namespace Kernel.Delivery;

/// <summary>
/// The rights question a rule's foreign "Store in" needs answered for the rule owner (rules.md §6.1: <c>~acct/box</c>
/// needs <c>i</c> for the Account). The local-delivery fast path stores as the System, so the check is asked first.
/// </summary>
public interface IMailboxRightsLookup
{
    Task<MailboxRights> GetRightsAsync(Principal principal, string mailbox, CancellationToken cancellationToken);
}

/// <summary>The mailbox store's one effective-rights function (mailboxes.md §4.3).</summary>
internal sealed class MailboxStoreRights(IMailboxStore mailboxes) : IMailboxRightsLookup
{
    public Task<MailboxRights> GetRightsAsync(Principal principal, string mailbox, CancellationToken cancellationToken) =>
        mailboxes.GetRightsAsync(principal, mailbox, cancellationToken);
}
