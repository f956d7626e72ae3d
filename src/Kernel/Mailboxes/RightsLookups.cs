using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>
/// What <see cref="MailboxRightsEvaluator"/> looked up during one call for one principal — administrator rights per
/// account, group membership per group — so rights over many mailboxes cost one lookup each, not one per mailbox.
/// Lives for one call only (a revocation is seen by the next call, mailboxes.md §10).
/// </summary>
internal sealed class RightsLookups
{
    public Dictionary<AccountAddress, AdminRights> Admin { get; } = [];

    /// <summary>Group → whether the call's principal is a member.</summary>
    public Dictionary<AccountAddress, bool> Groups { get; } = [];
}
