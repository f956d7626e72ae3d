using Kernel.Abstractions;
using Kernel.Testing.Stores;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The mailbox store's contract (design.md "Tests in layers"), like <see cref="Accounts.AccountStoreContract{TProvider}"/>:
/// every case runs against every storage provider, through <see cref="IMailboxStore"/> only, on mailboxes.md §12's
/// test bed made through the provider's real account store (which creates the accounts' mailboxes through the mailbox
/// store, as the server does). Its cases are in the MailboxStoreContract.*.cs files by subject; a provider's class
/// derives from this (<see cref="SqliteMailboxStoreContractTests"/>), and cases that look beneath the API (body
/// files, references, SQL) stay in that provider's own classes.
/// </summary>
public abstract partial class MailboxStoreContract<TProvider> : IDisposable where TProvider : StoreProvider, new()
{
    private static readonly Principal Alice = U("alice");
    private static readonly Principal Bob = U("bob");
    private static readonly Principal Marketing = U("marketing");

    protected MailboxStoreContract()
    {
        Provider = new TProvider();
        var (accounts, mailboxes) = Provider.CreateMailboxStores(new RecordingBus());
        Store = mailboxes;
        Directory = new TestDirectory(Provider, accounts);
        Populate(Directory);
        // The identifiers the ACL cases name (§4.2): a domain alias, groups (nested, and a chain deeper than the limit).
        Directory.DomainAlias("co.alias", Main)
            .Group(A("sales"), "bob", "carol@company.dom")
            .Group(A("all"), "sales@company.dom") // nested: all → sales → bob
            .Group(A("staff", Dept), "dave")
            .Group(A("g1"), "g2").Group(A("g2"), "g3").Group(A("g3"), "g4")
            .Group(A("g4"), "g5").Group(A("g5"), "g6").Group(A("g6"), "alice");
    }

    protected TProvider Provider { get; }

    protected IMailboxStore Store { get; }

    /// <summary>The provider's account store, seeded as an operator would.</summary>
    protected TestDirectory Directory { get; }

    protected void CreateAccount(AccountAddress account) => Directory.Account(account.ToString());

    protected void RemoveAccount(AccountAddress account) => Task.Run(() => Directory.Store.DeleteAccountAsync(account)).GetAwaiter().GetResult();

    public void Dispose()
    {
        Provider.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The mailbox store contract on the embedded SQLite store.</summary>
public sealed class SqliteMailboxStoreContractTests : MailboxStoreContract<SqliteStoreProvider>;
