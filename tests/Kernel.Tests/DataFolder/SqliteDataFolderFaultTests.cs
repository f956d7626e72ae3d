using Kernel.Storage;
using Kernel.Tests.Storage;

namespace Kernel.Tests.DataFolder;

/// <summary>
/// The fault contract on the embedded SQLite store, plus the second line of defence that is SQLite's alone: the orphan
/// sweep never runs against a database created in this process.
/// </summary>
[Collection(Kernel.Tests.Durability.ProcessTestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SqliteDataFolderFaultTests : DataFolderFaultContract<SqliteDataFolderProvider>
{
    [Fact]
    public void TheOrphanSweepNeverDeletesBodiesAgainstADatabaseCreatedInThisProcess()
    {
        using var data = new TempDataFolder();
        var body = Path.Combine(data.Path, "bodies", "ab", "0000000000000000000000000000ab");
        Directory.CreateDirectory(Path.GetDirectoryName(body)!);
        File.WriteAllText(body, "mail whose database was lost");
        File.SetLastWriteTimeUtc(body, DateTime.UtcNow - TimeSpan.FromDays(2));

        var database = new SqliteDatabase(data.Path);
        database.Migrate();
        var swept = new BodyStore(database).SweepOrphans(database, TimeSpan.FromHours(1));

        Assert.True(database.CreatedInThisProcess);
        Assert.Equal(0, swept);
        Assert.True(File.Exists(body));
    }

    [Fact]
    public void AStoreOpenedAgainIsNotNewAndItsSweepRuns()
    {
        using var data = new TempDataFolder();
        new SqliteDatabase(data.Path).Migrate();
        var body = Path.Combine(data.Path, "bodies", "cd", "0000000000000000000000000000cd");
        Directory.CreateDirectory(Path.GetDirectoryName(body)!);
        File.WriteAllText(body, "an orphan left by a crash");
        File.SetLastWriteTimeUtc(body, DateTime.UtcNow - TimeSpan.FromDays(2));

        var database = new SqliteDatabase(data.Path);
        database.Migrate();
        var swept = new BodyStore(database).SweepOrphans(database, TimeSpan.FromHours(1));

        Assert.False(database.CreatedInThisProcess);
        Assert.Equal(1, swept);
    }

    [Theory]
    [InlineData(DataFolderAccess.CreateIfNew)]
    [InlineData(DataFolderAccess.ExistingStore)]
    public void AFolderWithBodiesAndNoDatabaseIsRefusedInProcessToo(DataFolderAccess access)
    {
        using var data = new TempDataFolder();
        Directory.CreateDirectory(Path.Combine(data.Path, "bodies", "ab"));
        File.WriteAllText(Path.Combine(data.Path, "bodies", "ab", "x"), "mail");

        var error = Assert.Throws<DataFolderException>(() => global::Kernel.Storage.DataFolder.Open(data.Path, access, quickCheck: true));

        Assert.Contains("kernel.db is missing", error.Message);
        Assert.False(File.Exists(Path.Combine(data.Path, "kernel.db")));
    }
}
