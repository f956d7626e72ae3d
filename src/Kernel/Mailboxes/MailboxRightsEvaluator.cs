using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>
/// The one effective-rights function (mailboxes.md §4.3). Every mailbox operation of <see cref="SqliteMailboxStore"/>
/// goes through it, so IMAP, HTTP, rules and the CLI enforce the same rights. Nothing is cached between calls:
/// administrator rights and group members are read again each time, so a revocation takes effect at once (§10).
/// One call that evaluates many mailboxes (<see cref="RightsLookups"/>) reads each of them once.
/// </summary>
internal sealed class MailboxRightsEvaluator(IAccountStore accounts)
{
    /// <summary>§4.2: nested groups are expanded up to 4 levels below the named group.</summary>
    public const int MaxGroupNesting = 4;

    /// <summary>
    /// Rights of <paramref name="principal"/> on a mailbox of <paramref name="owner"/> with the stored entries
    /// <paramref name="acl"/>; with a null ACL only the owner and administrator rows are applied.
    /// </summary>
    public async Task<EffectiveRights> EvaluateAsync(Principal principal, AccountAddress owner, IReadOnlyList<AclEntry>? acl, CancellationToken cancellationToken,
        RightsLookups? lookups = null)
    {
        if (HoldsAllRights(principal, owner)) return new(MailboxRights.All, false);
        var user = principal.Account!;

        var admin = await AdminRightsOfAsync(user, lookups, cancellationToken);
        if ((admin.Server & (ServerRights.Master | ServerRights.AllUsers)) != 0) return new(MailboxRights.All, true);
        const DomainAdminRights mailboxAdmin = DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes;
        if ((admin.Domain & mailboxAdmin) == mailboxAdmin && user.Domain == owner.Domain)
        {
            // §10 [Decision]: a Domain Administrator cannot open the mailboxes of accounts holding server rights.
            var ownerAdmin = await AdminRightsOfAsync(owner, lookups, cancellationToken);
            if (ownerAdmin.Server == ServerRights.None) return new(MailboxRights.All, true);
        }

        if (acl is null || acl.Count == 0) return new(MailboxRights.None, false);
        var plus = MailboxRights.None;
        var minus = MailboxRights.None;
        var groups = lookups?.Groups;
        foreach (var entry in acl)
        {
            if (!AclIdentifier.TryParse(entry.Identifier, out var id)) continue;
            // Entry order never matters: positives are a union, negatives a union taken away (§4.3).
            var wanted = id.Negative ? entry.Rights & ~minus : entry.Rights & ~plus;
            if (wanted == MailboxRights.None) continue;
            bool matches;
            if (id.Kind == AclIdentifierKind.Group)
            {
                groups ??= [];
                var group = new AccountAddress(id.Name!, id.Domain ?? owner.Domain);
                if (!groups.TryGetValue(group, out matches))
                {
                    matches = await IsMemberAsync(group, user, 0, cancellationToken);
                    groups[group] = matches;
                }
            }
            else
            {
                matches = Matches(id, user, owner);
            }
            if (!matches) continue;
            if (id.Negative) minus |= entry.Rights;
            else plus |= entry.Rights;
        }
        return new(plus & ~minus, false);
    }

    /// <summary>The System and the owner hold every right whatever the ACL says (§4.3): a caller need not load the ACL for them.</summary>
    public static bool HoldsAllRights(Principal principal, AccountAddress owner) =>
        principal.Kind == PrincipalKind.System || principal.Account == owner;

    private static bool Matches(AclIdentifier id, AccountAddress user, AccountAddress owner) => id.Kind switch
    {
        AclIdentifierKind.Anyone => true,
        AclIdentifierKind.AnyoneInDomain => user.Domain == (id.Domain ?? owner.Domain),
        AclIdentifierKind.Account => user.Name == id.Name && user.Domain == (id.Domain ?? owner.Domain),
        _ => false,
    };

    private async Task<bool> IsMemberAsync(AccountAddress group, AccountAddress user, int depth, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> members;
        try
        {
            members = await accounts.GetGroupMembersAsync(group, cancellationToken);
        }
        catch (DirectoryException)
        {
            return false; // a group that does not exist (yet) has no members
        }
        var others = new List<AccountAddress>();
        foreach (var member in members)
        {
            if (!AccountAddress.TryParse(member.Trim(), group.Domain, out var address)) continue;
            if (address! == user) return true;
            others.Add(address!);
        }
        if (depth >= MaxGroupNesting) return false;
        foreach (var other in others)
        {
            var found = await accounts.FindObjectAsync(other, cancellationToken);
            if (found?.Kind == DirectoryObjectKind.Group && await IsMemberAsync(found.Address, user, depth + 1, cancellationToken)) return true;
        }
        return false;
    }

    private async Task<AdminRights> AdminRightsOfAsync(AccountAddress account, RightsLookups? lookups, CancellationToken cancellationToken)
    {
        if (lookups is not null && lookups.Admin.TryGetValue(account, out var known)) return known;
        AdminRights rights;
        try
        {
            rights = await accounts.GetAdminRightsAsync(account, cancellationToken);
        }
        catch (DirectoryException)
        {
            rights = AdminRights.None;
        }
        if (lookups is not null) lookups.Admin[account] = rights;
        return rights;
    }
}
