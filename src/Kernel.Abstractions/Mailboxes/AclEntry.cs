namespace Kernel.Abstractions;

/// <summary>One ACL entry in stored form (mailboxes.md §4.2): identifier lower-case, bare in the owner's domain, '-' first when negative.</summary>
public sealed record AclEntry(string Identifier, MailboxRights Rights)
{
    public bool IsNegative => Identifier.StartsWith('-');
}
