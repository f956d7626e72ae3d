using Dapper;
using Kernel.Abstractions;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// LIST, CREATE, DELETE, RENAME and MYRIGHTS (mailboxes.md §2, §4.6, §5.2, §5.4).
public sealed partial class SqliteMailboxStore
{
    public async Task<MailboxRights> GetRightsAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        return access.Exists ? access.Rights.Rights : MailboxRights.None;
    }

    public async Task<IReadOnlyDictionary<string, MailboxRights>> GetRightsAsync(Principal principal, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default)
    {
        // One connection and one lookup cache for the whole list (LIST/LSUB over a long subscription list).
        var result = new Dictionary<string, MailboxRights>(StringComparer.Ordinal);
        await using var connection = await _database.OpenAsync(cancellationToken);
        var cache = new LookupCache();
        foreach (var mailbox in mailboxes)
        {
            if (result.ContainsKey(mailbox)) continue;
            var access = await AccessAsync(connection, principal, mailbox, cancellationToken, cache);
            result[mailbox] = access.Exists ? access.Rights.Rights : MailboxRights.None;
        }
        return result;
    }

    public async Task<IReadOnlyList<MailboxListItem>> ListAsync(Principal principal, string pattern, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        if (ForeignMailboxName.IsForeign(pattern)) return await ListForeignAsync(connection, principal, pattern, cancellationToken);
        if (principal.Kind == PrincipalKind.System) return [];

        // §5.2: own mailboxes and mailbox aliases, never foreign mailboxes.
        var self = principal.Account!;
        var canonical = MailboxName.Canonical(pattern);
        var rows = await LoadRowsAsync(connection, null, self);
        var parents = new HashSet<string>(rows.SelectMany(r => MailboxName.Ancestors(r.Name)), StringComparer.Ordinal);
        var result = new List<MailboxListItem>();
        foreach (var row in rows)
        {
            if (!MailboxName.Matches(canonical, row.Name)) continue;
            result.Add(new MailboxListItem(row.Name, Attributes(row.IsSelectable, parents.Contains(row.Name)), (SpecialUse)row.SpecialUse, (int)row.Messages));
        }
        var cache = new LookupCache(); // many aliases often point into the same few accounts
        foreach (var alias in await LoadAliasesAsync(connection, null, self))
        {
            if (!MailboxName.Matches(canonical, alias.Alias)) continue;
            // §7: an alias whose target the user cannot open is listed \Noselect.
            var access = await AccessAsync(connection, principal, alias.Alias, cancellationToken, cache);
            var canOpen = access.Row is { IsSelectable: true } && access.Rights.Has(MailboxRights.Read);
            var attributes = MailboxAttributes.Alias | MailboxAttributes.HasNoChildren | (canOpen ? MailboxAttributes.None : MailboxAttributes.NoSelect);
            result.Add(new MailboxListItem(alias.Alias, attributes, SpecialUse.None, canOpen ? (int)access.Row!.Messages : 0));
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    /// <summary>§5.2: <c>~acct/pattern</c> lists the mailboxes of <c>acct</c> the principal has <c>l</c> on; the account part is never a wildcard.</summary>
    private async Task<IReadOnlyList<MailboxListItem>> ListForeignAsync(SqliteConnection connection, Principal principal, string pattern, CancellationToken cancellationToken)
    {
        if (!ForeignMailboxName.TryParse(pattern, out var foreign)) return [];
        var owner = await ResolveAccountAsync(principal, foreign!, cancellationToken);
        if (owner is null) return [];
        var prefix = foreign!.Prefix;
        var sub = MailboxName.Canonical(foreign.Rest);
        var rows = await LoadRowsAsync(connection, null, owner);
        if (rows.Count == 0) return [];

        var ownerLevel = await _rights.EvaluateAsync(principal, owner, null, cancellationToken);
        if (ownerLevel.AsAdministrator) LogAdministratorAccess(principal, owner, sub);
        var acls = ownerLevel.Rights == MailboxRights.All ? null : await LoadAccountAclsAsync(connection, owner);
        var visible = new List<(MailboxRow Row, EffectiveRights Rights)>();
        foreach (var row in rows)
        {
            var rights = acls is null ? ownerLevel : await _rights.EvaluateAsync(principal, owner, acls.GetValueOrDefault(row.Id) ?? [], cancellationToken);
            if (rights.Has(MailboxRights.Lookup)) visible.Add((row, rights));
        }
        var visibleNames = new HashSet<string>(visible.Select(v => v.Row.Name), StringComparer.Ordinal);
        var parents = new HashSet<string>(visibleNames.SelectMany(MailboxName.Ancestors), StringComparer.Ordinal);
        var result = new List<MailboxListItem>();
        foreach (var (row, rights) in visible)
        {
            if (!MailboxName.Matches(sub, row.Name)) continue;
            var count = rights.Has(MailboxRights.Read) ? (int)row.Messages : 0;
            result.Add(new MailboxListItem(prefix + row.Name, Attributes(row.IsSelectable, parents.Contains(row.Name)), (SpecialUse)row.SpecialUse, count));
        }
        if (sub.Contains('%'))
        {
            // RFC 3501 §6.3.8: a hidden parent of a visible child that matches '%' is returned once as \Noselect;
            // nothing else about it (its ACL, its messages) is revealed.
            var added = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in visibleNames)
            {
                foreach (var ancestor in MailboxName.Ancestors(name))
                {
                    if (visibleNames.Contains(ancestor) || !MailboxName.Matches(sub, ancestor) || !added.Add(ancestor)) continue;
                    result.Add(new MailboxListItem(prefix + ancestor, MailboxAttributes.NoSelect | MailboxAttributes.HasChildren, SpecialUse.None, 0));
                }
            }
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private static MailboxAttributes Attributes(bool selectable, bool hasChildren) =>
        (selectable ? MailboxAttributes.None : MailboxAttributes.NoSelect) | (hasChildren ? MailboxAttributes.HasChildren : MailboxAttributes.HasNoChildren);

    public async Task CreateAsync(Principal principal, string mailbox, SpecialUse specialUse = SpecialUse.None, CancellationToken cancellationToken = default)
    {
        // §2.1: a trailing separator creates only the directory facet.
        var directoryOnly = mailbox.EndsWith(MailboxName.Separator);
        var typed = directoryOnly ? mailbox[..^1] : mailbox;
        if (typed.Length == 0) throw Cannot("Invalid mailbox name");
        AccountAddress owner;
        string name;
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            (owner, name) = await CreationTargetAsync(connection, principal, typed, cancellationToken);
            await RequireCreateRightAsync(connection, principal, owner, name, cancellationToken);
        }
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var existing = await LoadRowAsync(connection, transaction, owner, name);
            if (existing is not null)
            {
                if (existing.IsSelectable || directoryOnly) throw new MailboxException(MailboxError.AlreadyExists, "Mailbox already exists");
                // A directory-only name gains its store facet, with a fresh UIDVALIDITY.
                await connection.ExecuteAsync(MailboxStoreSql.AddStoreFacet,
                    new { id = existing.Id, specialUse = (int)specialUse, uidValidity = await NextUidValidityAsync(connection, transaction) }, transaction);
                effects.Changed(owner, await ReloadAsync(connection, transaction, existing), MailboxChangeKind.Created);
                return;
            }
            await EnsureAncestorsAsync(connection, transaction, owner, name, effects);
            await InsertMailboxAsync(connection, transaction, owner, name, !directoryOnly, specialUse);
            effects.Changed(owner, (await LoadRowAsync(connection, transaction, owner, name))!, MailboxChangeKind.Created);
        }, cancellationToken);
    }

    /// <summary>Where a new name goes: own (not an alias name or under one, §7) or foreign; the name must be valid (§2.1).</summary>
    private async Task<(AccountAddress Owner, string Name)> CreationTargetAsync(SqliteConnection connection, Principal principal, string typed, CancellationToken cancellationToken)
    {
        AccountAddress owner;
        string name;
        if (ForeignMailboxName.IsForeign(typed))
        {
            // §2.1: '~' marks a foreign name, so an own name cannot start with it.
            // Without a '/' it is no name of any form; with one, a bad account part answers as an unknown one (§5.4).
            if (!ForeignMailboxName.TryParse(typed, out var foreign))
                throw typed.Contains(MailboxName.Separator) ? MailboxException.NonExistent() : Cannot("Invalid mailbox name");
            var resolved = await ResolveAccountAsync(principal, foreign!, cancellationToken);
            if (resolved is null) throw MailboxException.NonExistent();
            owner = resolved;
            name = MailboxName.Canonical(foreign!.Rest);
        }
        else
        {
            if (principal.Kind == PrincipalKind.System) throw MailboxException.NonExistent();
            owner = principal.Account!;
            name = MailboxName.Canonical(typed);
            if (await FindAliasAsync(connection, owner, name) is not null) throw new MailboxException(MailboxError.AlreadyExists, "A mailbox alias has that name");
        }
        if (!MailboxName.IsValidOwn(name)) throw Cannot("Invalid mailbox name");
        return (owner, name);
    }

    /// <summary>§4.6: a new child needs <c>c</c> on its parent; a new top-level mailbox only the owner or an administrator.</summary>
    private async Task RequireCreateRightAsync(SqliteConnection connection, Principal principal, AccountAddress owner, string name, CancellationToken cancellationToken)
    {
        var ownerLevel = await _rights.EvaluateAsync(principal, owner, null, cancellationToken);
        if (ownerLevel.Rights == MailboxRights.All)
        {
            if (ownerLevel.AsAdministrator) LogAdministratorAccess(principal, owner, name);
            return;
        }
        var parent = MailboxName.Parent(name) ?? throw NoPerm();
        var parentRow = await LoadRowAsync(connection, null, owner, parent);
        var rights = parentRow is null ? default : await _rights.EvaluateAsync(principal, owner, await LoadAclAsync(connection, null, parentRow.Id), cancellationToken);
        if (parentRow is null || !rights.Visible) throw MailboxException.NonExistent();
        if (!rights.Has(MailboxRights.Create)) throw NoPerm();
    }

    /// <summary>§4.6: deleting or renaming a mailbox needs <c>d</c> on it and <c>c</c> on its parent; top-level: owner/administrator.</summary>
    private async Task RequireRemoveRightAsync(SqliteConnection connection, Principal principal, Access access, CancellationToken cancellationToken)
    {
        if (access.Rights.Rights == MailboxRights.All && await IsOwnerLevelAsync(principal, access.Target!.Owner, cancellationToken)) return;
        if (!access.Visible) throw MailboxException.NonExistent();
        var parent = MailboxName.Parent(access.Row!.Name) ?? throw NoPerm();
        if (!access.Rights.Has(MailboxRights.Delete)) throw NoPerm();
        var parentRow = await LoadRowAsync(connection, null, access.Target!.Owner, parent);
        var parentRights = parentRow is null ? default : await _rights.EvaluateAsync(principal, access.Target.Owner, await LoadAclAsync(connection, null, parentRow.Id), cancellationToken);
        if (!parentRights.Has(MailboxRights.Create)) throw NoPerm();
    }

    private async Task<bool> IsOwnerLevelAsync(Principal principal, AccountAddress owner, CancellationToken cancellationToken) =>
        (await _rights.EvaluateAsync(principal, owner, null, cancellationToken)).Rights == MailboxRights.All;

    public async Task DeleteAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        Access access;
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            await RefuseAliasNameAsync(connection, principal, mailbox);
            access = await AccessAsync(connection, principal, mailbox, cancellationToken);
            if (!access.Exists) throw MailboxException.NonExistent();
            if (access.Row!.Name == MailboxName.Inbox && access.Visible) throw Cannot("INBOX cannot be deleted");
            await RequireRemoveRightAsync(connection, principal, access, cancellationToken);
            if (access.Row.Name == MailboxName.Inbox) throw Cannot("INBOX cannot be deleted");
        }
        var owner = access.Target!.Owner;
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await ReloadAsync(connection, transaction, access.Row!);
            if (await HasChildrenAsync(connection, transaction, owner, row.Name))
            {
                // RFC 3501 §6.3.4: with children only the store facet goes; a \Noselect name with children cannot be deleted.
                if (!row.IsSelectable) throw Cannot("Mailbox has children");
                await RemoveAllMessagesAsync(connection, transaction, row.Id, effects);
                await connection.ExecuteAsync(MailboxStoreSql.RemoveStoreFacet, new { id = row.Id }, transaction);
                await connection.ExecuteAsync(MailboxStoreSql.DeleteTombstones, new { id = row.Id }, transaction);
                effects.Changed(owner, await ReloadAsync(connection, transaction, row), MailboxChangeKind.Deleted);
                return;
            }
            await RemoveAllMessagesAsync(connection, transaction, row.Id, effects);
            await connection.ExecuteAsync(MailboxStoreSql.DeleteMailboxAndAcl, new { id = row.Id }, transaction);
            row.Messages = 0;
            effects.Changed(owner, row, MailboxChangeKind.Deleted);
        }, cancellationToken);
    }

    /// <summary>§7: DELETE and RENAME of a mailbox alias name → CANNOT; aliases are managed only through the alias calls.</summary>
    private static async Task RefuseAliasNameAsync(SqliteConnection connection, Principal principal, string typed)
    {
        if (principal.Kind != PrincipalKind.User || typed.Length == 0 || ForeignMailboxName.IsForeign(typed)) return;
        var name = MailboxName.Canonical(typed);
        if ((await LoadAliasesAsync(connection, null, principal.Account!)).Exists(a => a.Alias == name)) throw Cannot("A mailbox alias cannot be deleted or renamed here");
    }

    public async Task RenameAsync(Principal principal, string from, string to, CancellationToken cancellationToken = default)
    {
        Access source;
        AccountAddress owner;
        string newName;
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            await RefuseAliasNameAsync(connection, principal, from);
            source = await AccessAsync(connection, principal, from, cancellationToken);
            if (!source.Exists) throw MailboxException.NonExistent();
            await RequireRemoveRightAsync(connection, principal, source, cancellationToken);
            if (to.Length == 0) throw Cannot("Invalid mailbox name");
            (owner, newName) = await CreationTargetAsync(connection, principal, to.TrimEnd(MailboxName.Separator), cancellationToken);
            if (owner != source.Target!.Owner) throw Cannot("Old and new name must be in the same account");
            if (newName == source.Row!.Name) throw new MailboxException(MailboxError.AlreadyExists, "Mailbox already exists");
            if (MailboxName.IsUnder(newName, source.Row.Name)) throw Cannot("A mailbox cannot be moved inside itself");
            await RequireCreateRightAsync(connection, principal, owner, newName, cancellationToken);
        }
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await ReloadAsync(connection, transaction, source.Row!);
            if (await LoadRowAsync(connection, transaction, owner, newName) is not null) throw new MailboxException(MailboxError.AlreadyExists, "Mailbox already exists");
            await EnsureAncestorsAsync(connection, transaction, owner, newName, effects);
            if (row.Name == MailboxName.Inbox)
            {
                // §1, RFC 3501 §6.3.5: renaming INBOX moves its messages to the new name, leaves its children where they
                // are, and an empty INBOX exists at once.
                await connection.ExecuteAsync(MailboxStoreSql.RenameMailbox, new { newName, id = row.Id }, transaction);
                await InsertMailboxAsync(connection, transaction, owner, MailboxName.Inbox, selectable: true, SpecialUse.None);
                row.Name = newName;
                effects.Changed(owner, row, MailboxChangeKind.Renamed, MailboxName.Inbox);
                effects.Changed(owner, (await LoadRowAsync(connection, transaction, owner, MailboxName.Inbox))!, MailboxChangeKind.Created);
                return;
            }
            // The row and every child keep their ids; each is announced under its new name.
            var moving = (await LoadRowsAsync(connection, transaction, owner)).Where(r => MailboxName.IsSameOrUnder(r.Name, row.Name)).ToList();
            await connection.ExecuteAsync(MailboxStoreSql.RenameMailboxAndChildren,
                new { newName, oldName = row.Name, account = owner.ToString() }, transaction);
            foreach (var moved in moving)
            {
                var oldName = moved.Name;
                moved.Name = newName + oldName[row.Name.Length..];
                effects.Changed(owner, moved, MailboxChangeKind.Renamed, oldName);
            }
        }, cancellationToken);
    }

    private static MailboxException Cannot(string text) => new(MailboxError.Cannot, text);
}
