using System.Runtime.ExceptionServices;
using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// The write path: every write (APPEND, local delivery, STORE, EXPUNGE, COPY/MOVE, CREATE, ACL…) is queued here, and
// the writes waiting together run in one transaction — a group commit, as the queue's writer (SqliteMessageQueue)
// does for submissions: one WAL fsync (synchronous=FULL) for the batch instead of one per write.
public sealed partial class SqliteMailboxStore
{
    // At most this many writes share one transaction, so one batch never holds the database write lock for long.
    private const int MaxWritesPerCommit = 64;

    private readonly Lock _pendingLock = new();
    private readonly List<PendingWrite> _pending = [];

    // True while a batch runs or is about to: then new writes only queue, and whoever runs the batches takes them.
    private bool _draining;

    private long _commits;

    /// <summary>Writes queued and not yet taken by a batch (a test waits for them while it holds the database lock).</summary>
    internal int PendingWrites
    {
        get { lock (_pendingLock) return _pending.Count; }
    }

    /// <summary>Transactions the write path has committed (a test compares it with the writes it made).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction, possibly together with other waiting writes: each inside its
    /// own SAVEPOINT, so a write that throws rolls back only itself and gets its exception, the others commit. The
    /// call returns only after the shared commit (the write is durable), and the write's effects (files deleted,
    /// events published) happen after that commit, in the order the writes ran.
    /// </summary>
    internal async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Effects, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work);
        bool lead;
        lock (_pendingLock)
        {
            _pending.Add(write);
            lead = !_draining;
            _draining = true;
        }
        if (lead)
        {
            // No batch was running: this caller runs one itself (no thread hop for a lone writer); the writes that
            // queue meanwhile are taken by a drain on the thread pool, so this caller returns after its own commit.
            await RunBatchAsync();
            if (!StopDrainingIfIdle())
            {
                // The drain runs other callers' writes: it must not carry this caller's async-local state (log scopes).
                using (ExecutionContext.SuppressFlow()) _ = Task.Run(DrainAsync);
            }
        }
        else if (cancellationToken.CanBeCanceled)
        {
            // Cancelled before a batch took it: it never runs. Once taken, it is no longer cancellable (as before, a
            // write in its transaction ran to the end).
            await using var registration = cancellationToken.Register(() =>
            {
                if (write.TryCancel()) write.Fail(new OperationCanceledException(cancellationToken));
            });
            return await write.Task;
        }
        return await write.Task;
    }

    private Task WriteAsync(Func<SqliteConnection, SqliteTransaction, Effects, Task> work, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t, e) => { await work(c, t, e); return true; }, cancellationToken);

    private async Task DrainAsync()
    {
        do await RunBatchAsync();
        while (!StopDrainingIfIdle());
    }

    /// <summary>True (and the next writer will lead) when no write waits; false when the caller must run another batch.</summary>
    private bool StopDrainingIfIdle()
    {
        lock (_pendingLock)
        {
            if (_pending.Count > 0) return false;
            _draining = false;
            return true;
        }
    }

    /// <summary>Takes the waiting writes (up to <see cref="MaxWritesPerCommit"/>) and runs them in one transaction.</summary>
    private async Task RunBatchAsync()
    {
        var batch = new List<PendingWrite>();
        lock (_pendingLock)
        {
            var take = Math.Min(_pending.Count, MaxWritesPerCommit);
            foreach (var write in _pending.GetRange(0, take))
            {
                if (write.TryTake()) batch.Add(write);
            }
            _pending.RemoveRange(0, take);
        }
        if (batch.Count == 0) return;
        Exception? lost = null;
        try
        {
            // The names of the bodies these writes reference (renamed into place before the writes were queued) become
            // durable before the rows that reference them: one fsync per folder for the batch (BodyStore). Before
            // BEGIN, so the database write lock is not held during the folder fsyncs.
            _bodies.SyncPublishedFolders();
            // A lent connection kept open between batches: the statements of the writes stay prepared on it (PreparedCommands).
            await using var lease = await _database.RentAsync(CancellationToken.None);
            var connection = lease.Connection;
            // This process's write turn (SqliteDatabase.EnterWriteAsync): no sleeping in SQLite's busy handler behind the queue's writers.
            using var turn = await _database.EnterWriteAsync();
            // deferred: false is BEGIN IMMEDIATE: the write lock up front, so two writers never deadlock upgrading a read lock.
            using var transaction = connection.BeginTransaction(deferred: false);
            // A lone write needs no savepoint: if it throws, the whole transaction is rolled back, as before.
            var savepoints = batch.Count > 1;
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                var savepoint = savepoints ? "w" + i : null;
                try
                {
                    if (savepoint is not null) transaction.Save(savepoint);
                    await write.RunAsync(connection, transaction);
                    await RecordChangesAsync(connection, transaction, write.Effects.Events, Origin);
                    if (savepoint is not null) transaction.Release(savepoint);
                }
                catch (Exception e)
                {
                    write.Error = e;
                    if (savepoint is null) throw;
                    // ROLLBACK TO undoes only this write. SQLite rolls the whole transaction back by itself after some
                    // errors (SQLITE_FULL, SQLITE_IOERR…): then the savepoint is gone, this throws and the batch fails.
                    try
                    {
                        transaction.Rollback(savepoint);
                        transaction.Release(savepoint);
                    }
                    catch (SqliteException)
                    {
                        ExceptionDispatchInfo.Throw(e); // the cause, not "no such savepoint", is what the others are told
                    }
                }
            }
            transaction.Commit();
        }
        catch (Exception e)
        {
            // Nothing of the batch is durable: every write fails (a write's own error stays its own).
            lost = e;
        }
        if (lost is null) Interlocked.Increment(ref _commits);
        foreach (var write in batch)
        {
            if (write.Error is not null) write.Fail(write.Error);
            else if (lost is not null) write.Fail(lost);
            else
            {
                ApplyEffects(write.Effects);
                write.Complete();
            }
        }
    }

    /// <summary>After the commit: body files whose last reference went are deleted, the events published.</summary>
    private void ApplyEffects(Effects effects)
    {
        foreach (var id in effects.Files) _bodies.DeleteFile(id);
        if (effects.Events.Exists(e => e is MailboxChanged { Kind: MailboxChangeKind.AclChanged })) NoteRightsChange();
        foreach (var changed in effects.Events) _bus.Publish(changed);
    }

    /// <summary>Writes the change-log rows in the writer's transaction (so a change and its row commit together) and now and then prunes old rows.</summary>
    private async Task RecordChangesAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<KernelEvent> events, string origin)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var e in events) await connection.ExecutePreparedAsync(MailboxStoreSql.InsertChange, MailboxChangeRow.From(e, origin, now), transaction);
        if (now < Interlocked.Read(ref _nextChangePrune)) return;
        Interlocked.Exchange(ref _nextChangePrune, now + (long)ChangePruneInterval.TotalMilliseconds);
        await connection.ExecuteAsync(MailboxStoreSql.DeleteOldChanges, new { cutoff = now - (long)ChangeRetention.TotalMilliseconds }, transaction);
    }

    /// <summary>One queued write: its work, its effects, and how it ended.</summary>
    private abstract class PendingWrite
    {
        private const int Waiting = 0, Taken = 1, Cancelled = 2;
        private int _state;

        public Effects Effects { get; } = new();

        /// <summary>What the work threw (it was rolled back to its savepoint), or null.</summary>
        public Exception? Error { get; set; }

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

        public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting;

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception error);
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, SqliteTransaction, Effects, Task<T>> work) : PendingWrite
    {
        // Continuations run on the thread pool: the batch runner goes on to the next write instead of running callers.
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            _result = await work(connection, transaction, Effects);

        public override void Complete() => _done.TrySetResult(_result!);

        public override void Fail(Exception error)
        {
            if (error is OperationCanceledException canceled) _done.TrySetCanceled(canceled.CancellationToken);
            else _done.TrySetException(error);
        }
    }
}
