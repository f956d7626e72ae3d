using Kernel.Abstractions;
using Kernel.Accounts;

namespace Kernel.Testing.Stores;

/// <summary>
/// The shared test fixture for a directory: the kernel's real account store on a fresh database of a
/// <see cref="StoreProvider"/> (SQLite by default), seeded through the store's public calls as an operator would. The
/// seeding calls are synchronous and chainable so test beds can build their directory in a constructor; each runs
/// on the thread pool, never blocking on a test's synchronization context.
/// </summary>
public sealed class TestDirectory : IDisposable
{
    private readonly bool _ownsProvider;

    public TestDirectory(StoreProvider? provider = null, IMessageBus? bus = null, IEnumerable<IAccountLifecycle>? lifecycles = null)
    {
        _ownsProvider = provider is null;
        Provider = provider ?? new SqliteStoreProvider();
        Store = bus is null && lifecycles is null ? Provider.CreateAccountStore() : Provider.CreateAccountStore(bus ?? new StoreProvider.DiscardingBus(), lifecycles ?? []);
    }

    /// <summary>Seeds a store the provider already made (an account store wired to a mailbox store, say); the provider stays the caller's.</summary>
    public TestDirectory(StoreProvider provider, IAccountStore store)
    {
        Provider = provider;
        Store = store;
    }

    public StoreProvider Provider { get; }

    public IAccountStore Store { get; }

    /// <summary>A domain (the first one created is the Main Domain), unless it exists.</summary>
    public TestDirectory Domain(string domain) => Run(() => Store.EnsureDomainAsync(domain));

    /// <summary>An account (and its domain), unless it exists.</summary>
    public TestDirectory Account(string address) => Run(() => Store.EnsureAccountAsync(Parse(address)));

    /// <summary>A domain alias (and its domain), unless the alias exists.</summary>
    public TestDirectory DomainAlias(string alias, string domain) => Run(async () =>
    {
        await Store.EnsureDomainAsync(domain);
        if (await Store.ResolveDomainAsync(alias) is null) await Store.AddDomainAliasAsync(domain, alias);
    });

    /// <summary>An account alias; its account is created when missing.</summary>
    public TestDirectory Alias(string alias, string account) => Run(async () =>
    {
        await Store.EnsureAccountAsync(Parse(account));
        await Store.AddAliasAsync(Parse(alias), Parse(account));
    });

    public TestDirectory Forwarder(string address, string target) => Run(async () =>
    {
        await Store.EnsureDomainAsync(Parse(address).Domain);
        await Store.SetForwarderAsync(Parse(address), target);
    });

    /// <summary>A group or mailing list with exactly these members.</summary>
    public TestDirectory Group(string address, GroupKind kind = GroupKind.Group, params string[] members) =>
        Run(() => Store.SetGroupAsync(Parse(address), members, kind));

    public TestDirectory Group(AccountAddress group, params string[] members) => Group(group.ToString(), GroupKind.Group, members);

    public TestDirectory Alias(AccountAddress alias, AccountAddress account) => Alias(alias.ToString(), account.ToString());

    public TestDirectory Admin(AccountAddress account, AdminRights rights) => Admin(account.ToString(), rights);

    public TestDirectory Setting(SettingScope scope, string key, string? value) => Run(() => Store.SetSettingAsync(scope, key, value));

    public TestDirectory Admin(string account, AdminRights rights) => Run(async () =>
    {
        await Store.EnsureAccountAsync(Parse(account));
        await Store.SetAdminRightsAsync(Parse(account), rights);
    });

    public static AccountAddress Parse(string address)
    {
        var at = address.LastIndexOf('@');
        return new AccountAddress(address[..at], address[(at + 1)..]);
    }

    private TestDirectory Run(Func<Task> seed)
    {
        Task.Run(seed).GetAwaiter().GetResult();
        return this;
    }

    public void Dispose()
    {
        if (_ownsProvider) Provider.Dispose();
    }
}
