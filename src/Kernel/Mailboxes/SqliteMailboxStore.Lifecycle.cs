using System.Collections.Concurrent;
using Dapper;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Kernel.Mailboxes;

// Account creation and removal inside the account store's transaction (Accounts/IAccountLifecycle, mailboxes.md §1, §8).
public sealed partial class SqliteMailboxStore
{
    // Body files whose last reference went with a removed account, deleted once the removal committed.
    private readonly ConcurrentDictionary<AccountAddress, List<string>> _filesOfRemovedAccounts = new();

    public async Task OnCreatingAsync(IStoreTransaction storeTransaction, AccountAddress account, AccountTemplateLists template, CancellationToken cancellationToken)
    {
        var (connection, transaction) = SqliteStoreTransaction.Of(storeTransaction);
        // §1: INBOX exists from the moment the account does; §4.4: it starts with an empty ACL.
        if (await LoadRowAsync(connection, transaction, account, MailboxName.Inbox) is null)
            await InsertMailboxAsync(connection, transaction, account, MailboxName.Inbox, selectable: true, SpecialUse.None);

        // §8: the template's lists are copied; foreign names are copied as text, rights are not checked now.
        foreach (var entry in template.Mailboxes)
        {
            var trimmed = entry.Trim();
            var directoryOnly = trimmed.EndsWith(MailboxName.Separator);
            var name = MailboxName.Canonical(directoryOnly ? trimmed[..^1] : trimmed);
            if (!MailboxName.IsValidOwn(name))
            {
                _logger.LogWarning("account template mailbox {Mailbox} for {Account} is not a valid name; skipped", entry, account);
                continue;
            }
            if (await LoadRowAsync(connection, transaction, account, name) is not null) continue;
            await EnsureAncestorsAsync(connection, transaction, account, name);
            await InsertMailboxAsync(connection, transaction, account, name, !directoryOnly, SpecialUseOf(name));
        }

        var subscriptions = new List<string>();
        foreach (var entry in template.Subscriptions)
        {
            var name = MailboxName.Canonical(entry.Trim());
            var valid = ForeignMailboxName.IsForeign(name) ? ForeignMailboxName.TryParse(name, out var foreign) && MailboxName.IsValidOwn(foreign!.Rest) : MailboxName.IsValidOwn(name);
            if (!valid || subscriptions.Contains(name, StringComparer.Ordinal) || subscriptions.Count >= MaxSubscriptions) continue;
            subscriptions.Add(name);
            await connection.ExecuteAsync(MailboxStoreSql.InsertSubscriptionIfAbsent, new { account = account.ToString(), name }, transaction);
        }

        // Announced through the change log with the shared origin: every server's watcher publishes them once this
        // (the account store's) transaction has committed — there is no after-commit hook here to publish from.
        var created = (await LoadRowsAsync(connection, transaction, account))
            .Select(r => (KernelEvent)new MailboxChanged
            {
                MailboxId = r.Id, Owner = account, Mailbox = r.Name, Kind = MailboxChangeKind.Created,
                HighestModSeq = (ulong)r.HighestModseq, UidNext = (uint)r.UidNext, Messages = (int)r.Messages,
            }).ToList();
        if (subscriptions.Count > 0) created.Add(new SubscriptionsChanged { Account = account });
        await RecordChangesAsync(connection, transaction, created, SharedOrigin);

        foreach (var (alias, target) in template.MailboxAliases)
        {
            try
            {
                var name = CheckAliasName(alias.Trim());
                var targetName = CheckAliasTarget(target.Trim());
                if (name != targetName) await SaveAliasAsync(connection, transaction, account, name, targetName);
            }
            catch (MailboxException e)
            {
                _logger.LogWarning("account template mailbox alias {Alias} for {Account} skipped: {Reason}", alias, account, e.Message);
            }
        }
    }

    public async Task OnRemovingAsync(IStoreTransaction storeTransaction, AccountAddress account, CancellationToken cancellationToken)
    {
        var (connection, transaction) = SqliteStoreTransaction.Of(storeTransaction);
        var effects = new Effects();
        var parameters = new { account = account.ToString() };
        // As in OnCreatingAsync: the deletions reach every watcher (this process's too) through the change log.
        var deleted = (await LoadRowsAsync(connection, transaction, account))
            .Select(r => (KernelEvent)new MailboxChanged { MailboxId = r.Id, Owner = account, Mailbox = r.Name, Kind = MailboxChangeKind.Deleted })
            .ToList();
        await RecordChangesAsync(connection, transaction, deleted, SharedOrigin);
        var bodyIds = (await connection.QueryAsync<string>(MailboxStoreSql.SelectBodyIdsOfAccount, parameters, transaction)).AsList();
        await ReleaseBodiesAsync(connection, transaction, bodyIds, effects);
        await connection.ExecuteAsync(MailboxStoreSql.DeleteAccountRows, parameters, transaction);
        // Replaces whatever an earlier, rolled-back attempt left, so only what this transaction released is deleted.
        _filesOfRemovedAccounts[account] = effects.Files;
    }

    public Task OnRemovedAsync(AccountAddress account, CancellationToken cancellationToken)
    {
        if (_filesOfRemovedAccounts.TryRemove(account, out var files))
        {
            foreach (var id in files) _bodies.DeleteFile(id);
        }
        return Task.CompletedTask;
    }

    /// <summary>RFC 6154 attributes for the usual template names, so clients find Sent, Drafts and Trash.</summary>
    private static SpecialUse SpecialUseOf(string name) => name switch
    {
        "Sent" => SpecialUse.Sent,
        "Drafts" => SpecialUse.Drafts,
        "Trash" => SpecialUse.Trash,
        "Junk" => SpecialUse.Junk,
        "Archive" => SpecialUse.Archive,
        _ => SpecialUse.None,
    };
}
