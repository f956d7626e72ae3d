using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Mailboxes;
using Kernel.Routing;
using Kernel.Storage;
using Kernel.Testing;
using Kernel.Testing.Stores;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The test bed of mailboxes.md §12: Main Domain company.dom (marketing, public, carol, alice, bob, postmaster with
/// Master, ops with All Users), secondary domain dept1.company.dom (dave, dadmin with CanAccessMailboxes, dplain
/// without). A fresh data folder per instance, on the real stores: the account store (<see cref="TestDirectory"/>)
/// creates and removes accounts with the mailbox store as its <see cref="IAccountLifecycle"/>, as in production, and
/// the kernel's default router answers the mailbox store's Access lookups. Both are seen through
/// <see cref="CallCounter{T}"/> so tests can check what the mailbox store asks how often.
/// </summary>
internal sealed class MailboxTestBed : IDisposable
{
    public const string Main = "company.dom";
    public const string Dept = "dept1.company.dom";

    private readonly TempDataFolder _folder = new();
    private readonly CallCounter<IAccountStore> _accountCalls;
    private readonly CallCounter<IAddressRouter> _routerCalls;

    public MailboxTestBed(bool populate = true, long inlineLimit = BodyStore.DefaultInlineLimit)
    {
        var lifecycles = new List<IAccountLifecycle>();
        Directory = new TestDirectory(new SqliteStoreProvider(_folder.Path), lifecycles: lifecycles);
        Database = ((SqliteStoreProvider)Directory.Provider).Database;
        Bodies = new BodyStore(Database, inlineLimit);
        (Accounts, _accountCalls) = CallCounter<IAccountStore>.Wrap(Directory.Store);
        (Router, _routerCalls) = CallCounter<IAddressRouter>.Wrap(new DefaultAddressRouter(Directory.Store));
        Bus = new RecordingBus();
        Logger = new RecordingLogger<SqliteMailboxStore>();
        Store = new SqliteMailboxStore(Database, Bodies, Accounts, Router, Bus, Logger);
        lifecycles.Add(Store);
        if (populate) Populate(Directory);
    }

    /// <summary>§12's domains, accounts and administrator rights, made through the account store (which creates the accounts' mailboxes).</summary>
    public static void Populate(TestDirectory directory)
    {
        directory.Domain(Main).Domain(Dept);
        foreach (var name in new[] { "marketing", "public", "carol", "alice", "bob", "postmaster", "ops" }) directory.Account(A(name).ToString());
        foreach (var name in new[] { "dave", "dadmin", "dplain" }) directory.Account(A(name, Dept).ToString());
        directory.Admin(A("postmaster"), new AdminRights(ServerRights.Master, DomainAdminRights.None))
            .Admin(A("ops"), new AdminRights(ServerRights.AllUsers, DomainAdminRights.None))
            .Admin(A("dadmin", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes))
            .Admin(A("dplain", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator));
    }

    public TestDirectory Directory { get; }
    public SqliteDatabase Database { get; }
    public BodyStore Bodies { get; }
    public IAccountStore Accounts { get; }
    public IAddressRouter Router { get; }
    public RecordingBus Bus { get; }
    public RecordingLogger<SqliteMailboxStore> Logger { get; }
    public SqliteMailboxStore Store { get; }

    /// <summary>How often the mailbox store has read administrator rights.</summary>
    public int AdminLookups => _accountCalls.Count(nameof(IAccountStore.GetAdminRightsAsync));

    /// <summary>How often the mailbox store has read a setting through the account store (its own transaction each time).</summary>
    public int SettingLookups => _accountCalls.Count(nameof(IAccountStore.GetSettingAsync));

    /// <summary>How often the mailbox store has routed a name.</summary>
    public int RouterLookups => _routerCalls.Count(nameof(IAddressRouter.RouteAsync));

    public static AccountAddress A(string name, string domain = Main) => new(name, domain);

    public static Principal U(string name, string domain = Main) => Principal.User(A(name, domain));

    /// <summary>Through the account store, which creates the account's mailboxes (the domain's template applies).</summary>
    public void CreateAccount(AccountAddress account) => Directory.Account(account.ToString());

    public void RemoveAccount(AccountAddress account) => Task.Run(() => Directory.Store.DeleteAccountAsync(account)).GetAwaiter().GetResult();

    public static MessageBody Message(string subject, int padding = 0) =>
        MessageBody.FromBytes(System.Text.Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\n{new string('x', padding)}body\r\n"));

    public async Task<StoredBody> StoreBodyAsync(string subject, int padding = 0)
    {
        await using var source = Message(subject, padding).OpenRead();
        return await Bodies.WriteAsync(source);
    }

    public long BodyRefs(string id)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT refs FROM bodies WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar() is long refs ? refs : 0;
    }

    public bool BodyFileExists(StoredBody body) => File.Exists(body.FilePath ?? throw new InvalidOperationException($"{body.Id} is inline"));

    public string BodyPath(string id) => Bodies.Open(id, 0).FilePath ?? throw new InvalidOperationException($"{id} is inline");

    /// <summary>Rows of the <c>bodies</c> table (file and inline bodies alike).</summary>
    public long StoredBodies()
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM bodies";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Whether an inline body's bytes are in the database (<c>body_data</c>).</summary>
    public bool InlineDataExists(string id)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM body_data WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (long)command.ExecuteScalar()! == 1;
    }

    /// <summary>Starts a write that stays inside its transaction until the returned release is set: writes made meanwhile queue for the next group commit.</summary>
    public async Task<(Task Held, TaskCompletionSource Release)> HoldBatchAsync()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Task.Run(() => Store.WriteAsync(async (_, _, _) =>
        {
            running.SetResult();
            await release.Task;
            return 0;
        }, CancellationToken.None));
        await running.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (held, release);
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> writes are queued behind a held batch.</summary>
    public async Task WaitForPendingAsync(int count)
    {
        for (var i = 0; i < 3000 && Store.PendingWrites < count; i++) await Task.Delay(10);
        Assert.Equal(count, Store.PendingWrites);
    }

    public static async Task<MailboxError> ErrorOf(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<MailboxException>(action);
        return e.Error;
    }

    public void Dispose()
    {
        Directory.Provider.Dispose();
        _folder.Dispose();
    }
}
