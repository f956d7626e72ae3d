using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Accounts;

/// <summary>
/// Kernel-internal hook: stores that keep per-account data (mailboxes, subscriptions, mailbox aliases, files, SIP
/// bindings) take part in creating and removing an account inside the account store's transaction, so an account
/// never exists half-made. The transaction is an opaque <see cref="IStoreTransaction"/> (issue 9 §2): one database
/// transaction keeps the all-or-nothing promise without a compensation protocol, and the hook names no driver, so a
/// PostgreSQL provider hands its own transaction through the same interface.
/// </summary>
public interface IAccountLifecycle
{
    /// <summary>Inside the creating transaction: make INBOX and what the Account Template lists (copied, mailboxes.md §8).</summary>
    Task OnCreatingAsync(IStoreTransaction transaction, AccountAddress account, AccountTemplateLists template, CancellationToken cancellationToken);

    /// <summary>Inside the removing transaction: delete the account's rows (and release body references).</summary>
    Task OnRemovingAsync(IStoreTransaction transaction, AccountAddress account, CancellationToken cancellationToken);

    /// <summary>After the removal committed: delete files that belonged to the account.</summary>
    Task OnRemovedAsync(AccountAddress account, CancellationToken cancellationToken);
}
