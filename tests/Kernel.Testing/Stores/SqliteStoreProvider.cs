using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Mailboxes;
using Kernel.Routing;
using Kernel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Testing.Stores;

/// <summary>The embedded default: one migrated SQLite database in a fresh temp data folder, removed on dispose.</summary>
public sealed class SqliteStoreProvider : StoreProvider
{
    private readonly bool _ownsDirectory;

    public SqliteStoreProvider()
        : this(null)
    {
    }

    /// <param name="dataDirectory">A data folder the test already has (files live beside the database); null makes and later removes a fresh one.</param>
    public SqliteStoreProvider(string? dataDirectory)
    {
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "kernel-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Database = new SqliteDatabase(DataDirectory);
        Database.Migrate();
    }

    public override string Name => "sqlite";

    public string DataDirectory { get; }

    /// <summary>For the SQLite stores that are not provider-neutral yet (files, the queue) and share the account store's database.</summary>
    public SqliteDatabase Database { get; }

    public override IAccountStore CreateAccountStore(IMessageBus bus, IEnumerable<IAccountLifecycle> lifecycles) =>
        new SqliteAccountStore(Database, bus, lifecycles, NullLogger<SqliteAccountStore>.Instance) { PasswordIterations = TestPasswordIterations };

    public override (IAccountStore Accounts, IMailboxStore Mailboxes) CreateMailboxStores(IMessageBus bus)
    {
        var lifecycles = new List<IAccountLifecycle>();
        var accounts = CreateAccountStore(bus, lifecycles);
        var mailboxes = new SqliteMailboxStore(Database, new BodyStore(Database), accounts, new DefaultAddressRouter(accounts), bus, NullLogger<SqliteMailboxStore>.Instance);
        lifecycles.Add(mailboxes);
        return (accounts, mailboxes);
    }

    public override void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (!_ownsDirectory) return;
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
