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
        var store = new BodyStore(db, inlineLimit: 0);
        var body = await store.WriteAsync(new MemoryStream(new byte[100]));
        File.WriteAllBytes(body.FilePath!, new byte[10]);
        var error = Assert.Throws<StoredBodyException>(() => store.Open(body.Id, body.Length).OpenRead());
        Assert.Contains(body.FilePath!, error.Message);
        File.Delete(body.FilePath!);
        error = Assert.Throws<StoredBodyException>(() => store.Open(body.Id, body.Length).OpenRead());
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public async Task A_body_stream_seeks_reads_ranges_and_ends_at_the_body_length()
    {
        using var folder = new TempDataFolder();
        var db = new SqliteDatabase(folder.Path);
        db.Migrate();
        var store = new BodyStore(db, inlineLimit: 0); // a file read by offset (BodyFileStream); InlineBodyTests reads inline ranges
        var bytes = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();
        var body = await store.WriteAsync(new MemoryStream(bytes));
        await using var stream = store.Open(body.Id, body.Length).OpenRead();
        Assert.True(stream.CanSeek);
        Assert.Equal(10_000, stream.Length);

        // A range from the middle, read asynchronously in small pieces (as IMAP FETCH BODY[]<9000.5000> does).
        Assert.Equal(9_000, stream.Seek(9_000, SeekOrigin.Begin));
        var tail = new byte[5_000];
        var total = 0;
        for (int read; (read = await stream.ReadAsync(tail.AsMemory(total, Math.Min(300, tail.Length - total)))) > 0;) total += read;
        Assert.Equal(1_000, total); // cut at the end of the body
        Assert.Equal(bytes[9_000..], tail[..total]);
        Assert.Equal(-1, stream.ReadByte());

        stream.Position = 3;
        Assert.Equal(bytes[3], stream.ReadByte());
        Assert.Equal(4, stream.Position);
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(bytes[4..], rest.ToArray());
        Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.WriteByte(0));
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
