using Kernel.Accounts;
using Kernel.Configuration;
using Kernel.Storage;
using Kernel.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Accounts;

/// <summary>A migrated temp data folder with an account store, a recording bus and a recording lifecycle hook.</summary>
public sealed class AccountStoreHarness : IDisposable
{
    /// <summary>Cheap hashes keep the tests fast; the stored format carries the count, so verification is unchanged.</summary>
    public const int TestIterations = 1000;

    private readonly TempDataFolder _folder = new();

    public AccountStoreHarness()
    {
        Database = new SqliteDatabase(_folder.Path);
        Database.Migrate();
        Lifecycle = new RecordingLifecycle(account => RecordingLifecycle.Exists(Database, account));
        Store = NewStore(Database);
        Configuration = new SqliteConfigurationStore(Database);
    }

    public string DataDirectory => _folder.Path;

    public SqliteDatabase Database { get; }

    public RecordingBus Bus { get; } = new();

    public RecordingLifecycle Lifecycle { get; }

    public SqliteAccountStore Store { get; }

    public SqliteConfigurationStore Configuration { get; }

    /// <summary>A second store on its own <see cref="SqliteDatabase"/> over the same folder, as another process would open it.</summary>
    public SqliteAccountStore NewStore(SqliteDatabase database) =>
        new(database, Bus, [Lifecycle], NullLogger<SqliteAccountStore>.Instance) { PasswordIterations = TestIterations };

    public void Dispose() => _folder.Dispose();
}
