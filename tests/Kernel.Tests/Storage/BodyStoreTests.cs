using Dapper;
using Kernel.Storage;

namespace Kernel.Tests.Storage;

public sealed class BodyStoreTests
{
    [Fact]
    public async Task A_written_body_reads_back_and_its_last_reference_releases_it()
    {
        using var folder = new TempDataFolder();
        var db = new SqliteDatabase(folder.Path);
        db.Migrate();
        var store = new BodyStore(db);
        var body = await store.WriteAsync(new MemoryStream("Subject: x\r\n\r\nhello\r\n"u8.ToArray()));
        using (var c = db.Open())
        using (var tx = c.BeginTransaction())
        {
            await BodyStore.AddReferenceAsync(c, tx, body, count: 2);
            tx.Commit();
        }
        using (var reader = new StreamReader(store.Open(body.Id, body.Length).OpenRead()))
            Assert.Equal("Subject: x\r\n\r\nhello\r\n", await reader.ReadToEndAsync());
        using (var c = db.Open())
        using (var tx = c.BeginTransaction())
        {
            Assert.False(await BodyStore.ReleaseReferenceAsync(c, tx, body.Id));
            Assert.True(await BodyStore.ReleaseReferenceAsync(c, tx, body.Id));
            tx.Commit();
            Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM bodies"));
        }
    }

    [Fact]
    public async Task A_truncated_body_file_is_a_clear_error_naming_the_file()
    {
        using var folder = new TempDataFolder();
        var db = new SqliteDatabase(folder.Path);
        db.Migrate();
        var store = new BodyStore(db);
        var body = await store.WriteAsync(new MemoryStream(new byte[100]));
        File.WriteAllBytes(body.FilePath, new byte[10]);
        var error = Assert.Throws<StoredBodyException>(() => store.Open(body.Id, body.Length).OpenRead());
        Assert.Contains(body.FilePath, error.Message);
        File.Delete(body.FilePath);
        error = Assert.Throws<StoredBodyException>(() => store.Open(body.Id, body.Length).OpenRead());
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void Migrations_apply_once_and_a_second_open_is_a_no_op()
    {
        using var folder = new TempDataFolder();
        new SqliteDatabase(folder.Path).Migrate();
        new SqliteDatabase(folder.Path).Migrate();
        using var c = new SqliteDatabase(folder.Path).Open();
        Assert.Equal("wal", c.ExecuteScalar<string>("PRAGMA journal_mode"));
        Assert.True(c.ExecuteScalar<long>("SELECT COUNT(*) FROM schema_migrations") >= 1);
    }
}
