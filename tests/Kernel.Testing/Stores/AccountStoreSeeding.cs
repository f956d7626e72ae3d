using Kernel.Abstractions;

namespace Kernel.Testing.Stores;

/// <summary>Puts a test's directory into a real account store through its public calls, as an operator would.</summary>
public static class AccountStoreSeeding
{
    /// <summary>The domain (the first one created is the Main Domain) and the account, each unless it exists.</summary>
    public static async Task<AccountAddress> EnsureAccountAsync(this IAccountStore store, AccountAddress account, string? realName = null, CancellationToken cancellationToken = default)
    {
        await store.EnsureDomainAsync(account.Domain, cancellationToken);
        if (await store.GetAccountAsync(account, cancellationToken) is null) await store.CreateAccountAsync(account, null, realName, cancellationToken);
        return account;
    }

    public static async Task EnsureDomainAsync(this IAccountStore store, string domain, CancellationToken cancellationToken = default)
    {
        if (await store.ResolveDomainAsync(domain, cancellationToken) is null) await store.CreateDomainAsync(domain, cancellationToken);
    }

    /// <summary>A group (or mailing list) with exactly these members, created when absent.</summary>
    public static async Task SetGroupAsync(this IAccountStore store, AccountAddress group, IReadOnlyList<string> members, GroupKind kind = GroupKind.Group, CancellationToken cancellationToken = default)
    {
        await store.EnsureDomainAsync(group.Domain, cancellationToken);
        if (await store.FindObjectAsync(group, cancellationToken) is null) await store.CreateGroupAsync(group, kind, cancellationToken);
        await store.SetGroupMembersAsync(group, members, cancellationToken);
    }
}
