using Dapper;
using Kernel.Abstractions;

namespace Kernel.Mailboxes;

// GETACL, SETACL, DELETEACL and "apply to sub-Mailboxes" (mailboxes.md §4.2, §4.4, §4.5, §5.5; RFC 4314).
public sealed partial class SqliteMailboxStore
{
    public async Task<IReadOnlyList<AclEntry>> GetAclAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Administer);
        return await LoadAclAsync(connection, null, access.Row!.Id);
    }

    public async Task SetAclAsync(Principal principal, string mailbox, string identifier, string rights, CancellationToken cancellationToken = default)
    {
        // RFC 4314 §3.1: '+' adds, '-' removes, otherwise replace; a letter outside the set → BAD and nothing changes.
        var mode = rights.StartsWith('+') ? '+' : rights.StartsWith('-') ? '-' : '=';
        var letters = mode == '=' ? rights : rights[1..];
        if (!MailboxRightsText.TryParse(letters, out var parsed)) throw new MailboxException(MailboxError.BadRights, $"Invalid rights \"{rights}\"");
        if (!AclIdentifier.TryParse(identifier, out var id)) throw BadIdentifier(identifier);
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Administer);
        var owner = access.Target!.Owner;
        var stored = await StoredIdentifierAsync(id, owner, cancellationToken);
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await ReloadAsync(connection, transaction, access.Row!);
            effects.Changed(owner, row, MailboxChangeKind.AclChanged);
            var current = (MailboxRights?)await connection.ExecuteScalarAsync<long?>(
                MailboxStoreSql.SelectAclRights, new { id = row.Id, stored }, transaction);
            var next = mode switch
            {
                '+' => (current ?? MailboxRights.None) | parsed,
                '-' => (current ?? MailboxRights.None) & ~parsed,
                _ => parsed,
            };
            if (next == MailboxRights.None)
            {
                // §5.5 [Decision]: an empty rights string removes the entry, as DELETEACL does.
                await connection.ExecuteAsync(MailboxStoreSql.DeleteAclEntry, new { id = row.Id, stored }, transaction);
            }
            else if (current is null)
            {
                await connection.ExecuteAsync(MailboxStoreSql.InsertAclEntry,
                    new { id = row.Id, stored, rights = (int)next }, transaction);
            }
            else
            {
                // Replacing keeps the entry's place: GETACL lists entries in the order first created (§5.5).
                await connection.ExecuteAsync(MailboxStoreSql.UpdateAclRights,
                    new { id = row.Id, stored, rights = (int)next }, transaction);
            }
        }, cancellationToken);
    }

    public async Task DeleteAclAsync(Principal principal, string mailbox, string identifier, CancellationToken cancellationToken = default)
    {
        if (!AclIdentifier.TryParse(identifier, out var id)) throw BadIdentifier(identifier);
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Administer);
        var owner = access.Target!.Owner;
        var stored = await StoredIdentifierAsync(id, owner, cancellationToken);
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await ReloadAsync(connection, transaction, access.Row!);
            if (await connection.ExecuteAsync(MailboxStoreSql.DeleteAclEntry, new { id = row.Id, stored }, transaction) > 0)
                effects.Changed(owner, row, MailboxChangeKind.AclChanged);
        }, cancellationToken);
    }

    public async Task ApplyAclToChildrenAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Administer);
        var owner = access.Target!.Owner;
        // Only descendants whose ACL the principal may change themselves are overwritten.
        var children = new List<long>();
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            foreach (var row in await LoadRowsAsync(connection, null, owner))
            {
                if (!MailboxName.IsUnder(row.Name, access.Row!.Name)) continue;
                var rights = await _rights.EvaluateAsync(principal, owner, await LoadAclAsync(connection, null, row.Id), cancellationToken);
                if (rights.Has(MailboxRights.Administer)) children.Add(row.Id);
            }
        }
        await WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await ReloadAsync(connection, transaction, access.Row!);
            foreach (var child in children)
            {
                await connection.ExecuteAsync(MailboxStoreSql.ReplaceAclWithParents, new { child, id = row.Id }, transaction);
                if (await connection.QuerySingleOrDefaultAsync<MailboxRow>(MailboxStoreSql.SelectMailboxById, new { id = child }, transaction) is { } childRow)
                    effects.Changed(owner, childRow, MailboxChangeKind.AclChanged);
            }
        }, cancellationToken);
    }

    public async Task<MailboxRightsList> ListRightsAsync(Principal principal, string mailbox, string identifier, CancellationToken cancellationToken = default)
    {
        if (!AclIdentifier.TryParse(identifier, out var id)) throw BadIdentifier(identifier);
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Administer);
        var owner = access.Target!.Owner;
        // §4.2 stored form (domain aliases resolved, the owner's domain dropped), so "bob", "BOB@company.dom" and
        // "bob@alias-of-company.dom" all name the owner bob.
        var stored = await StoredIdentifierAsync(id, owner, cancellationToken);
        AclIdentifier.TryParse(stored, out var canonical);
        var isOwner = canonical is { Negative: false, Kind: AclIdentifierKind.Account, Domain: null } && canonical.Name == owner.Name;
        // §5.5 [Decision]: the owner has everything, always (nothing optional); anybody else has nothing required and
        // each stored right is a group of its own, the tied RFC 4314 letters printed together (kc, xted).
        return isOwner
            ? new MailboxRightsList { Mailbox = access.Target.Display, Identifier = identifier, Required = MailboxRights.All }
            : new MailboxRightsList { Mailbox = access.Target.Display, Identifier = identifier, Required = MailboxRights.None, Optional = OptionalGroups };
    }

    /// <summary>§5.5: <c>l r s w i p kc xted a</c>, in the canonical order.</summary>
    private static readonly IReadOnlyList<MailboxRights> OptionalGroups =
    [
        MailboxRights.Lookup, MailboxRights.Read, MailboxRights.Seen, MailboxRights.Write, MailboxRights.Insert,
        MailboxRights.Post, MailboxRights.Create, MailboxRights.Delete, MailboxRights.Administer,
    ];

    /// <summary>§4.2 stored form: lower case, a domain alias replaced by its domain, the owner's domain dropped.</summary>
    private async Task<string> StoredIdentifierAsync(AclIdentifier id, AccountAddress owner, CancellationToken cancellationToken)
    {
        if (id.Domain is not null)
        {
            var real = await _accounts.ResolveDomainAsync(id.Domain, cancellationToken);
            if (real is not null) id = id with { Domain = real.ToLowerInvariant() };
        }
        return id.RelativeTo(owner.Domain).ToString();
    }

    private static MailboxException BadIdentifier(string identifier) => new(MailboxError.BadRights, $"Invalid identifier \"{identifier}\"");
}
