using Dapper;
using Kernel.Storage;

namespace Kernel.Tests.Storage;

/// <summary>
/// Small bodies kept inside the database (015, <see cref="BodyStore"/>): the threshold boundary, the streaming writer
/// that spills past it, reference counting of inline rows, reads of inline bodies opened from their rows, and a data
/// folder made before 015 (file bodies only) that keeps reading while new small bodies go inline.
/// </summary>
public sealed class InlineBodyTests : IDisposable
{
    private const int Limit = 1000;

    private readonly TempDataFolder _folder = new();
    private readonly SqliteDatabase _db;
    private readonly BodyStore _store;

    public InlineBodyTests()
    {
        _db = new SqliteDatabase(_folder.Path);
        _db.Migrate();
        _store = new BodyStore(_db, Limit);
    }

    public void Dispose() => _folder.Dispose();

    private static byte[] Bytes(int length) => Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray();

    private string[] BodyFiles(bool temporary = false) =>
        Directory.EnumerateFiles(Path.Combine(_folder.Path, "bodies"), "*", SearchOption.AllDirectories)
            .Where(f => f.Contains("/bodies/tmp/") == temporary).ToArray();

    private async Task ReferenceAsync(StoredBody body, int count = 1)
    {
        await using var c = await _db.OpenAsync();
        await using var tx = c.BeginTransaction();
        await BodyStore.AddReferenceAsync(c, tx, body, count);
        tx.Commit();
    }

    private async Task<bool> ReleaseAsync(string id)
    {
        await using var c = await _db.OpenAsync();
        await using var tx = c.BeginTransaction();
        var last = await BodyStore.ReleaseReferenceAsync(c, tx, id);
        tx.Commit();
        if (last) _store.DeleteFile(id);
        return last;
    }

    private long Count(string sql)
    {
        using var c = _db.Open();
        return c.ExecuteScalar<long>(sql);
    }

    private static async Task<byte[]> ReadAllAsync(Kernel.Abstractions.MessageBody body)
    {
        await using var stream = body.OpenRead();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_inline_and_one_byte_more_is_a_file()
    {
        var atLimit = await _store.WriteAsync(new MemoryStream(Bytes(Limit)));
        var over = await _store.WriteAsync(new MemoryStream(Bytes(Limit + 1)));
        Assert.True(atLimit.IsInline);
        Assert.Null(atLimit.FilePath);
        Assert.True(BodyStore.IsInlineId(atLimit.Id));
        Assert.False(over.IsInline);
        Assert.False(BodyStore.IsInlineId(over.Id));
        Assert.Equal([over.FilePath!], BodyFiles());
        Assert.Empty(BodyFiles(temporary: true));

        await ReferenceAsync(atLimit);
        await ReferenceAsync(over);
        // Only the inline body has bytes in the database; both rows keep their size.
        Assert.Equal(1, Count("SELECT COUNT(*) FROM body_data"));
        Assert.Equal(Limit, Count($"SELECT length(data) FROM body_data WHERE id = '{atLimit.Id}'"));
        Assert.Equal(Bytes(Limit), await ReadAllAsync(_store.Open(atLimit.Id, Limit)));
        Assert.Equal(Bytes(Limit + 1), await ReadAllAsync(_store.Open(over.Id, Limit + 1)));
    }

    [Fact]
    public async Task A_streamed_body_stays_in_memory_up_to_the_limit_and_spills_to_a_file_when_it_crosses_it()
    {
        var bytes = Bytes(2500);
        await using var writer = _store.CreateWriter();
        await writer.WriteAsync(bytes.AsMemory(0, 600));
        await writer.WriteAsync(bytes.AsMemory(600, 400)); // exactly the limit: still in memory, no file
        Assert.False(writer.Spilled);
        Assert.Empty(BodyFiles(temporary: true));
        await writer.FlushAsync();
        Assert.Equal(bytes[..1000], await ReadAllAsync(writer.ReadView()));

        await writer.WriteAsync(bytes.AsMemory(1000, 1)); // one byte past it: everything so far goes to the temporary file
        Assert.True(writer.Spilled);
        var temporary = Assert.Single(BodyFiles(temporary: true));
        await writer.CopyFromAsync(new MemoryStream(bytes, 1001, bytes.Length - 1001));
        await writer.FlushAsync();
        Assert.Equal(bytes, await File.ReadAllBytesAsync(temporary));
        Assert.Equal(bytes, await ReadAllAsync(writer.ReadView()));

        var stored = await writer.CompleteAsync();
        Assert.False(stored.IsInline);
        Assert.Equal(2500, stored.Length);
        Assert.Empty(BodyFiles(temporary: true));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(stored.FilePath!));
    }

    [Fact]
    public async Task An_aborted_writer_leaves_nothing_behind_either_side_of_the_limit()
    {
        await using (var small = _store.CreateWriter()) await small.WriteAsync(Bytes(10));
        await using (var large = _store.CreateWriter()) await large.WriteAsync(Bytes(Limit * 3));
        Assert.Empty(BodyFiles(temporary: true));
        Assert.Empty(BodyFiles());
        Assert.Equal(0, Count("SELECT COUNT(*) FROM bodies"));
    }

    [Fact]
    public async Task An_inline_body_is_stored_once_and_its_last_reference_removes_row_and_bytes()
    {
        var body = await _store.WriteAsync(new MemoryStream(Bytes(300)));
        await ReferenceAsync(body, count: 2);
        // A reference added through a body opened from its row (a COPY, a local delivery) holds no bytes: one more ref.
        var opened = _store.Open(body.Id, body.Length);
        await ReferenceAsync(opened);
        Assert.Equal(3, Count($"SELECT refs FROM bodies WHERE id = '{body.Id}'"));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM body_data"));

        Assert.False(await ReleaseAsync(body.Id));
        Assert.False(await ReleaseAsync(body.Id));
        Assert.Equal(Bytes(300), await ReadAllAsync(opened));
        Assert.True(await ReleaseAsync(body.Id));
        Assert.Equal(0, Count("SELECT COUNT(*) FROM bodies"));
        Assert.Equal(0, Count("SELECT COUNT(*) FROM body_data"));

        // Gone with its row: reading it, or referencing it again, is the same clear error as a missing file.
        var error = Assert.Throws<StoredBodyException>(() => opened.OpenRead());
        Assert.Contains("missing", error.Message);
        await Assert.ThrowsAsync<StoredBodyException>(() => ReferenceAsync(opened));
        Assert.Equal(0, Count("SELECT COUNT(*) FROM bodies"));
    }

    [Fact]
    public async Task An_inline_body_opened_from_its_row_reads_ranges_like_a_file()
    {
        var bytes = Bytes(Limit);
        var body = await _store.WriteAsync(new MemoryStream(bytes));
        await ReferenceAsync(body);
        await using var stream = _store.Open(body.Id, body.Length).OpenRead();
        Assert.True(stream.CanSeek);
        Assert.Equal(Limit, stream.Length);
        stream.Seek(900, SeekOrigin.Begin);
        var tail = new byte[500];
        var total = 0;
        for (int read; (read = await stream.ReadAsync(tail.AsMemory(total, Math.Min(30, tail.Length - total)))) > 0;) total += read;
        Assert.Equal(bytes[900..], tail[..total]);
        // A row whose recorded size disagrees with its bytes is reported, not read short.
        var wrong = Assert.Throws<StoredBodyException>(() => _store.Open(body.Id, Limit + 5).OpenRead());
        Assert.Contains("truncated", wrong.Message);
    }

    [Fact]
    public async Task A_data_folder_from_before_015_keeps_its_file_bodies_and_new_small_bodies_go_inline()
    {
        // As before 015: every body a file, and no body_data table.
        var old = await new BodyStore(_db, inlineLimit: 0).WriteAsync(new MemoryStream(Bytes(200)));
        await ReferenceAsync(old);
        using (var c = _db.Open())
        {
            c.Execute("DROP TABLE body_data");
            c.Execute("DELETE FROM schema_migrations WHERE number = 15");
        }

        var upgraded = new SqliteDatabase(_folder.Path);
        upgraded.Migrate();
        Assert.False(upgraded.CreatedInThisProcess);
        var store = new BodyStore(upgraded, Limit);
        Assert.Equal(Bytes(200), await ReadAllAsync(store.Open(old.Id, 200)));
        var fresh = await store.WriteAsync(new MemoryStream(Bytes(200)));
        Assert.True(fresh.IsInline);
        await ReferenceAsync(fresh);
        Assert.Equal(Bytes(200), await ReadAllAsync(store.Open(fresh.Id, 200)));
        Assert.Equal([old.FilePath!], BodyFiles());
        // The orphan sweep leaves both alone: the file has its row, the inline body has no file.
        Assert.Equal(0, store.SweepOrphans(upgraded, TimeSpan.Zero));
        Assert.Equal(Bytes(200), await ReadAllAsync(store.Open(old.Id, 200)));
    }

    [Fact]
    public void The_limit_zero_keeps_every_body_in_a_file_and_a_negative_or_huge_limit_is_refused()
    {
        Assert.Equal(0, new BodyStore(_db, 0).InlineLimit);
        Assert.Equal(BodyStore.DefaultInlineLimit, new BodyStore(_db).InlineLimit);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BodyStore(_db, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BodyStore(_db, BodyStore.MaxInlineLimit + 1));
    }
}
