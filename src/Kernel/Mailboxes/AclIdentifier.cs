using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>Whom an ACL entry applies to (mailboxes.md §4.2).</summary>
internal enum AclIdentifierKind
{
    /// <summary><c>anyone</c>: every account on the server.</summary>
    Anyone,

    /// <summary><c>anyone@</c> (owner's domain) or <c>anyone@dom</c>.</summary>
    AnyoneInDomain,

    /// <summary><c>#group</c> or <c>#group@dom</c>.</summary>
    Group,

    /// <summary><c>name</c> or <c>name@dom</c>.</summary>
    Account,
}

/// <summary>
/// A parsed ACL identifier. <see cref="Domain"/> null means the mailbox owner's domain, which is how the stored form
/// keeps it (bare <c>bob</c>, <c>anyone@</c>, <c>#sales</c>); other domains keep <c>@dom</c>.
/// </summary>
internal sealed record AclIdentifier(bool Negative, AclIdentifierKind Kind, string? Name, string? Domain)
{
    private const string AnyonePrefix = "anyone@";

    /// <summary>Syntax only (§4.2: the named account or group need not exist). Case-insensitive; result lower case.</summary>
    public static bool TryParse(string? text, out AclIdentifier identifier)
    {
        identifier = null!;
        if (string.IsNullOrEmpty(text)) return false;
        var body = text.ToLowerInvariant();
        var negative = body[0] == '-';
        if (negative) body = body[1..];
        if (body == "anyone")
        {
            identifier = new(negative, AclIdentifierKind.Anyone, null, null);
            return true;
        }
        if (body.StartsWith(AnyonePrefix, StringComparison.Ordinal))
        {
            var domain = body[AnyonePrefix.Length..];
            if (domain.Length > 0 && !DomainName.IsValid(domain)) return false;
            identifier = new(negative, AclIdentifierKind.AnyoneInDomain, null, domain.Length == 0 ? null : domain);
            return true;
        }
        var kind = AclIdentifierKind.Account;
        if (body.StartsWith('#'))
        {
            kind = AclIdentifierKind.Group;
            body = body[1..];
        }
        var at = body.LastIndexOf('@');
        var name = at < 0 ? body : body[..at];
        var dom = at < 0 ? null : body[(at + 1)..];
        if (!ObjectName.IsValid(name) || (dom is not null && !DomainName.IsValid(dom))) return false;
        identifier = new(negative, kind, name, dom);
        return true;
    }

    /// <summary>The stored form relative to the owner's domain (§4.2): the owner's domain is dropped.</summary>
    public AclIdentifier RelativeTo(string ownerDomain) =>
        Domain is not null && string.Equals(Domain, ownerDomain, StringComparison.Ordinal) ? this with { Domain = null } : this;

    public override string ToString()
    {
        var sign = Negative ? "-" : "";
        var at = Domain is null ? "" : "@" + Domain;
        return Kind switch
        {
            AclIdentifierKind.Anyone => sign + "anyone",
            AclIdentifierKind.AnyoneInDomain => sign + AnyonePrefix + (Domain ?? ""),
            AclIdentifierKind.Group => sign + "#" + Name + at,
            _ => sign + Name + at,
        };
    }
}
