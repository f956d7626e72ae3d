namespace Kernel.Abstractions;

/// <summary>Domain Administrator rights over the account's own domain.</summary>
[Flags]
public enum DomainAdminRights
{
    None = 0,
    DomainAdministrator = 1,
    CanAccessMailboxes = 2,
    CanAccessWebSites = 4,
    CanCreateAccounts = 8,
}
