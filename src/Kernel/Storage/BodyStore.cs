using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Kernel.Storage;

/// <summary>
/// Message bodies, stored once and reference counted in the <c>bodies</c> table: small ones inside the database, the
/// rest as files under <c>&lt;data&gt;/bodies/</c>.
/// <para>
/// A body of at most <see cref="InlineLimit"/> bytes (<c>Kernel:Storage:InlineBodyLimit</c>, default 64 KiB) is
/// <em>inline</em>: its bytes go into <c>body_data</c> (015) in the same transaction as the rows that reference it, so
/// the batch's one WAL fsync makes body and rows durable together — one fsync per batch instead of three per message
/// (body file, its folder, then the WAL), which is what bounded SMTP and APPEND throughput (issues 10/11). This departs
/// from design.md ("bodies are files") for small bodies only; a crash before the commit leaves neither row nor body,
/// and an inline body cannot go missing apart from its row. Inline ids start with <c>i</c>, so every reader knows the
/// kind from the id its row already carries.
/// </para>
/// <para>
/// A larger body is written to a temporary name, fsynced, and renamed into place, so a file either is whole or is not
/// there. The rename is made durable by an fsync of its folder, which is shared: the committer that writes rows
/// referencing bodies (the queue's and the mailbox store's group commits) calls <see cref="SyncPublishedFolders"/>
/// before its commit, which fsyncs each folder that received a rename since the last sync once — one folder fsync for
/// a batch instead of one per body. The reference row is written by the caller in its own transaction (queue submit,
/// mailbox append), so the row and the caller's rows commit together; a crash in between leaves only an unreferenced
/// file (or, before the folder sync, no file and no row), which <see cref="SweepOrphans"/> removes.
/// </para>
/// </summary>
public sealed class BodyStore
{
    private readonly string _root;
    private readonly string _tmp;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _durableFolders = new(StringComparer.Ordinal);

    // Folders that received a rename not yet made durable, and the lock that makes a sync wait for one in progress.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _unsyncedFolders = new(StringComparer.Ordinal);
    private readonly Lock _syncLock = new();
    private long _folderSyncs;

    /// <summary>The default of <c>Kernel:Storage:InlineBodyLimit</c>: bodies up to 64 KiB are kept inside the database.</summary>
    public const long DefaultInlineLimit = 64 * 1024;

    /// <summary>The largest inline limit accepted: each streaming writer may buffer this much in memory.</summary>
    public const long MaxInlineLimit = 16 * 1024 * 1024;

    private readonly SqliteDatabase _database;

    public BodyStore(SqliteDatabase database) : this(database, DefaultInlineLimit) { }

    /// <param name="inlineLimit">Bodies of at most this many bytes are kept inside the database; 0 keeps every body in a file.</param>
    public BodyStore(SqliteDatabase database, long inlineLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inlineLimit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inlineLimit, MaxInlineLimit);
        InlineLimit = (int)inlineLimit;
        _database = database;
        _root = Path.Combine(database.DataDirectory, "bodies");
        _tmp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_tmp);
        DirectorySync.Flush(_root);
        DirectorySync.Flush(database.DataDirectory);
    }

    /// <summary>Bodies of at most this many bytes are inline (kept inside the database); 0: none.</summary>
    public int InlineLimit { get; }

    /// <summary>Writes a body (fsynced, renamed into place) and returns it; nothing references it until <see cref="AddReferenceAsync"/> commits, after <see cref="SyncPublishedFolders"/>.</summary>
    public async Task<StoredBody> WriteAsync(Stream source, CancellationToken cancellationToken = default)
    {
        await using var writer = CreateWriter();
        await writer.CopyFromAsync(source, cancellationToken);
        return await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>A body written as it arrives (streaming submission and APPEND); complete it to make it durable.</summary>
    public BodyWriter CreateWriter() => new(this, InlineLimit);

    /// <summary>The temporary file of a body that outgrew the inline limit: its id and where it is written.</summary>
    internal (string Id, string TmpPath) NewFile()
    {
        var id = NewId();
        return (id, Path.Combine(_tmp, id));
    }

    /// <summary>A completed inline body: a new id, the bytes held until its reference row is written.</summary>
    internal StoredBody CreateInline(byte[] data) => new(InlinePrefix + NewId(), data.Length, this, data);

    /// <summary>Inline ids start with this; file ids are 32 hex digits.</summary>
    private const char InlinePrefix = 'i';

    /// <summary>Whether <paramref name="id"/> names an inline body (in <c>body_data</c>, no file).</summary>
    public static bool IsInlineId(string id) => id.Length > 0 && id[0] == InlinePrefix;

    /// <summary>
    /// An inline body's bytes, read when it is opened. A missing row is reported like a missing file
    /// (<see cref="StoredBodyException"/>), though with the row gone no message can reference it any more.
    /// </summary>
    internal byte[] ReadInline(string id)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM body_data WHERE id = $id";
        command.Parameters.Add("$id", SqliteType.Text).Value = id;
        return command.ExecuteScalar() as byte[] ?? throw new StoredBodyException($"message body {id} is missing from the database");
    }

    /// <summary>
    /// Renames a completed (fsynced) temporary file into place. The name is durable only after the next
    /// <see cref="SyncPublishedFolders"/>, which every committer of a row referencing the body runs before its commit.
    /// </summary>
    internal StoredBody Publish(string id, string tmpPath, long length)
    {
        var finalPath = PathOf(id);
        var folder = Path.GetDirectoryName(finalPath)!;
        EnsureDurableFolder(folder);
        File.Move(tmpPath, finalPath);
        // Marked after the rename: a sync that takes the mark is sure to cover this rename.
        _unsyncedFolders.TryAdd(folder, 0);
        return new StoredBody(id, finalPath, length);
    }

    /// <summary>
    /// Makes every rename published so far durable: fsyncs each folder that received one since its last sync, once.
    /// Called by a batch committer before its commit, so a row referencing a body is never durable before the body's
    /// name is (a crash before the folder sync loses the name and the row together, never only the name).
    /// Crash safe because each body file was fsynced before its rename (<see cref="BodyWriter.CompleteAsync"/>) and
    /// the committer's callers answer only after its commit, which comes after this sync returns.
    /// </summary>
    public void SyncPublishedFolders()
    {
        // One sync at a time, and no shortcut around the lock when nothing is marked: a committer that finds a folder's
        // mark already taken by another sync still in progress must not commit before that fsync has returned, so it
        // waits here for it (uncontended, the lock costs nothing next to a commit).
        lock (_syncLock)
        {
            foreach (var folder in _unsyncedFolders.Keys)
            {
                // The mark goes before the fsync: a rename after this point marks the folder again for the next sync.
                _unsyncedFolders.TryRemove(folder, out _);
                try
                {
                    DirectorySync.Flush(folder);
                }
                catch
                {
                    _unsyncedFolders.TryAdd(folder, 0); // still not durable: the next committer tries again
                    throw;
                }
                _folderSyncs++;
            }
        }
    }

    /// <summary>Folders with a rename not yet synced (tests).</summary>
    internal int UnsyncedFolders => _unsyncedFolders.Count;

    /// <summary>Folder fsyncs <see cref="SyncPublishedFolders"/> has made (tests compare it with the bodies published).</summary>
    internal long FolderSyncs
    {
        get { lock (_syncLock) return _folderSyncs; }
    }

    /// <summary>
    /// Creates a body folder and makes its name durable: POSIX makes a new directory entry durable only once its parent
    /// is fsynced, and the shared folder sync after the renames does not cover the folder's own entry in <c>bodies/</c>.
    /// Each writer that has not seen the folder made durable does it itself, so none returns before it is.
    /// </summary>
    private void EnsureDurableFolder(string folder)
    {
        if (_durableFolders.ContainsKey(folder)) return;
        Directory.CreateDirectory(folder);
        DirectorySync.Flush(_root);
        _durableFolders.TryAdd(folder, 0);
    }

    /// <summary>
    /// A stored body by id (the kind follows from the id). Reading a missing or truncated file throws
    /// <see cref="StoredBodyException"/> naming the file; an inline body's bytes are read when it is opened, unless a
    /// batched read passes them as <paramref name="data"/>.
    /// </summary>
    public StoredBody Open(string id, long length, byte[]? data = null) =>
        IsInlineId(id) ? new StoredBody(id, length, this, data) : new StoredBody(id, PathOf(id), length);

    /// <summary>
    /// Adds <paramref name="count"/> references in the caller's transaction. On first use it inserts the row — and an
    /// inline body's bytes, which a body just written holds: they commit with the caller's rows (one fsync for both).
    /// An inline body opened from a row only gains references, and fails if its row is gone rather than leaving a
    /// reference to bytes that no longer exist.
    /// </summary>
    public static async Task AddReferenceAsync(IDbConnection connection, IDbTransaction transaction, StoredBody body, int count = 1)
    {
        if (body.IsInline && body.Data is null)
        {
            if (await ExecuteAsync(connection, transaction, AddExistingReferenceSql, new { id = body.Id, count }) == 0)
                throw new StoredBodyException($"message body {body.Id} is missing from the database");
            return;
        }
        await ExecuteAsync(connection, transaction, AddReferenceSql, new { id = body.Id, size = body.Length, count });
        if (body.Data is { } data) await ExecuteAsync(connection, transaction, InsertDataSql, new { id = body.Id, data });
    }

    // Prepared once on a SQLite connection (every APPEND and delivery runs these).
    private static Task<int> ExecuteAsync(IDbConnection connection, IDbTransaction transaction, string sql, object param) =>
        connection is SqliteConnection sqlite
            ? sqlite.ExecutePreparedAsync(sql, param, (SqliteTransaction)transaction)
            : connection.ExecuteAsync(sql, param, transaction);

    /// <summary>A body's reference row, inserted on first use and counted up after (the queue's batch insert binds it too).</summary>
    internal const string AddReferenceSql =
        "INSERT INTO bodies (id, size, refs) VALUES (@id, @size, @count) ON CONFLICT(id) DO UPDATE SET refs = refs + @count";
    private const string AddExistingReferenceSql = "UPDATE bodies SET refs = refs + @count WHERE id = @id";

    /// <summary>An inline body's bytes, after its <c>bodies</c> row (the key references it); written once per body.</summary>
    internal const string InsertDataSql = "INSERT INTO body_data (id, data) VALUES (@id, @data) ON CONFLICT(id) DO NOTHING";

    /// <summary>Drops one reference in the caller's transaction; true when it was the last (call <see cref="DeleteFile"/> after commit).</summary>
    public static async Task<bool> ReleaseReferenceAsync(IDbConnection connection, IDbTransaction transaction, string id)
    {
        if (connection is SqliteConnection sqlite && transaction is SqliteTransaction tx)
        {
            // The two statements stay prepared on a lent connection (PreparedCommands): the queue's routing completion runs them per message.
            if (await sqlite.ExecuteScalarPreparedAsync<long?>(DropReferenceSql, new { id }, tx) is > 0) return false;
            await sqlite.ExecutePreparedAsync(DeleteUnreferencedSql, new { id }, tx);
            return true;
        }
        var refs = await connection.ExecuteScalarAsync<long?>(DropReferenceSql, new { id }, transaction);
        if (refs is > 0) return false;
        await connection.ExecuteAsync(DeleteUnreferencedSql, new { id }, transaction);
        return true;
    }

    private const string DropReferenceSql = "UPDATE bodies SET refs = refs - 1 WHERE id = @id RETURNING refs";
    // An inline body's body_data row goes with it (ON DELETE CASCADE, foreign_keys=ON on every connection).
    private const string DeleteUnreferencedSql = "DELETE FROM bodies WHERE id = @id AND refs <= 0";

    /// <summary>Removes a body's file once its last reference is gone; an inline body has none (its bytes went with its row).</summary>
    public void DeleteFile(string id)
    {
        if (IsInlineId(id)) return;
        try { File.Delete(PathOf(id)); }
        catch (IOException) { /* already gone; an orphan sweep will not find it either */ }
    }

    /// <summary>Removes files no row references (left by a crash between write and commit) and stale temporary files older than <paramref name="minAge"/>.</summary>
    /// <remarks>
    /// Never against a database created by this process: with no rows yet, every body on disk would look unreferenced
    /// (issue 8 §1 — a lost <c>kernel.db</c> must never turn into lost mail). <see cref="DataFolder"/> refuses such a
    /// folder before it gets here; this is the second line.
    /// </remarks>
    public int SweepOrphans(SqliteDatabase database, TimeSpan minAge)
    {
        if (database.CreatedInThisProcess) return 0;
        using var connection = database.Open();
        var known = connection.Query<string>("SELECT id FROM bodies").ToHashSet(StringComparer.Ordinal);
        var cutoff = DateTime.UtcNow - minAge;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var id = Path.GetFileName(file);
            if (known.Contains(id) || File.GetLastWriteTimeUtc(file) > cutoff) continue;
            try { File.Delete(file); removed++; } catch (IOException) { }
        }
        return removed;
    }

    // The last two characters name the folder (256 of them).
    private string PathOf(string id) => Path.Combine(_root, id[^2..], id);

    /// <summary>
    /// Time-ordered ids keep files of one period together; the random bits make them unique across processes. The last
    /// two characters (the folder) are the current second modulo 256 instead of random: bodies written at the same
    /// time land in one folder, so a batch's commit syncs one folder for all of them, while over time the files still
    /// spread evenly over the 256 folders. Older ids (random last byte) are found the same way.
    /// </summary>
    private static string NewId()
    {
        var id = Guid.CreateVersion7().ToString("N");
        var folder = (byte)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return string.Create(id.Length, (id, folder), static (span, state) =>
        {
            state.id.AsSpan(0, span.Length - 2).CopyTo(span);
            state.folder.TryFormat(span[^2..], out _, "x2");
        });
    }
}
