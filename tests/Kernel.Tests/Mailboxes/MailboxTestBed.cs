using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Mailboxes;
using Kernel.Storage;
using Kernel.Tests.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The test bed of mailboxes.md §12: Main Domain company.dom (marketing, public, carol, alice, bob, postmaster with
/// Master, ops with All Users), secondary domain dept1.company.dom (dave, dadmin with CanAccessMailboxes, dplain
/// without). A fresh data folder per instance; accounts are made the way the account store does it, through
/// <see cref="IAccountLifecycle.OnCreating"/> inside a transaction.
/// </summary>
internal sealed class MailboxTestBed : IDisposable
{
    public const string Main = "company.dom";
    public const string Dept = "dept1.company.dom";

    private readonly TempDataFolder _folder = new();

    public MailboxTestBed(bool populate = true)
    {
        Database = new SqliteDatabase(_folder.Path);
        Database.Migrate();
        Bodies = new BodyStore(Database);
        Accounts = new FakeAccountStore();
        Router = new FakeAccessRouter(Accounts);
        Bus = new RecordingBus();
        Logger = new RecordingLogger<SqliteMailboxStore>();
        Store = new SqliteMailboxStore(Database, Bodies, Accounts, Router, Bus, Logger);
        if (!populate) return;
        Accounts.AddDomain(Main);
        Accounts.AddDomain(Dept);
        foreach (var name in new[] { "marketing", "public", "carol", "alice", "bob", "postmaster", "ops" }) CreateAccount(A(name));
        foreach (var name in new[] { "dave", "dadmin", "dplain" }) CreateAccount(A(name, Dept));
        Accounts.SetAdmin(A("postmaster"), new AdminRights(ServerRights.Master, DomainAdminRights.None));
        Accounts.SetAdmin(A("ops"), new AdminRights(ServerRights.AllUsers, DomainAdminRights.None));
        Accounts.SetAdmin(A("dadmin", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes));
        Accounts.SetAdmin(A("dplain", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator));
    }

    public SqliteDatabase Database { get; }
    public BodyStore Bodies { get; }
    public FakeAccountStore Accounts { get; }
    public FakeAccessRouter Router { get; }
    public RecordingBus Bus { get; }
    public RecordingLogger<SqliteMailboxStore> Logger { get; }
    public SqliteMailboxStore Store { get; }

    public static AccountAddress A(string name, string domain = Main) => new(name, domain);

    public static Principal U(string name, string domain = Main) => Principal.User(A(name, domain));

    public void CreateAccount(AccountAddress account, AccountTemplateLists? template = null)
    {
        Accounts.AddAccount(account);
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        Store.OnCreating(new SqliteStoreTransaction(connection, transaction), account, template ?? AccountTemplateLists.Empty);
        transaction.Commit();
    }

    public void RemoveAccount(AccountAddress account)
    {
        using (var connection = Database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            Store.OnRemoving(new SqliteStoreTransaction(connection, transaction), account);
            transaction.Commit();
        }
        Store.OnRemoved(account);
    }

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

    public bool BodyFileExists(StoredBody body) => File.Exists(body.FilePath);

    public string BodyPath(string id) => Bodies.Open(id, 0).FilePath;

    public static async Task<MailboxError> ErrorOf(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<MailboxException>(action);
        return e.Error;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
