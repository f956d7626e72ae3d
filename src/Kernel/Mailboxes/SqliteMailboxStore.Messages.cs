using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// STATUS/SELECT, FETCH, APPEND, STORE, EXPUNGE, COPY/MOVE (mailboxes.md §5.3, §5.4; RFC 3501, RFC 4315, RFC 6851, RFC 7162).
// Each operation is split into the access check by name and the work on a resolved mailbox, which an open view
// (SqliteMailboxStore.View.cs) calls with the rights it computed at open: one implementation for both.
public sealed partial class SqliteMailboxStore
{
    public async Task<MailboxStatus> GetStatusAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        return await StatusAsync(connection, access.Target!.Display, access.Row!, access.Rights.Rights);
    }

    /// <summary>STATUS of a resolved mailbox, from its snapshot (SqliteMailboxStore.Snapshots.cs).</summary>
    private async Task<MailboxStatus> StatusAsync(SqliteConnection connection, string display, MailboxRow row, MailboxRights rights)
    {
        var (snapshot, now) = await SnapshotAsync(connection, row);
        return new MailboxStatus(display, (uint)now.UidValidity, (uint)now.UidNext, (ulong)now.HighestModseq, (int)now.Messages,
            snapshot.Unseen, snapshot.FirstUnseen, now.Size, rights, snapshot.Keywords);
    }

    public async Task<IReadOnlyList<MessageSummary>> FetchAsync(Principal principal, string mailbox, UidSet uids, ulong? changedSince = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        return ReadSummaries(connection, access.Row!.Id, uids, changedSince);
    }

    public async Task<MessageBody?> OpenMessageAsync(Principal principal, string mailbox, uint uid, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        return await OpenBodyAsync(connection, access.Row!.Id, uid);
    }

    /// <summary>
    /// One message as stored: its body file, behind the row's prefix when it has one (a <see cref="PrefixedBody"/>,
    /// RFC 5321 §4.4 Return-Path); null when the UID is not there.
    /// </summary>
    private async Task<MessageBody?> OpenBodyAsync(SqliteConnection connection, long mailboxId, uint uid) =>
        await ReadBodiesAsync(connection, mailboxId, UidSet.Of(uid), CancellationToken.None) is [var (_, body)] ? body : null;

    public async Task<AppendResult> AppendAsync(Principal principal, string mailbox, MessageBody body, MessageFlags flags = MessageFlags.None,
        IReadOnlyList<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default)
    {
        // Bodies are stored once: a body the kernel already holds only gains a reference.
        if (body is StoredBody stored) return await CommitAppendAsync(principal, mailbox, stored, null, owned: false, flags, keywords, internalDate, cancellationToken);
        // A stored message with its prefix (read from a mailbox) keeps both: the file gains a reference, the prefix is copied.
        if (body is PrefixedBody prefixed)
            return await CommitAppendAsync(principal, mailbox, prefixed.Body, prefixed.Prefix, owned: false, flags, keywords, internalDate, cancellationToken);
        // Any other is copied through the streaming path (BodyWriter), after the rights were checked.
        await using var append = await BeginAppendAsync(principal, mailbox, flags, keywords, internalDate, cancellationToken);
        await using (var source = body.OpenRead()) await ((MailboxAppend)append).CopyFromAsync(source, cancellationToken);
        return await append.CommitAsync(cancellationToken);
    }

    public async Task<IMailboxAppend> BeginAppendAsync(Principal principal, string mailbox, MessageFlags flags = MessageFlags.None,
        IReadOnlyList<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default)
    {
        // RFC 3501 §6.3.11 / mailboxes.md §5.4: refuse before the client sends the literal.
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        RequireInsert(access);
        var keywordList = keywords?.ToArray();
        return new MailboxAppend(_bodies.CreateWriter(), new PendingAppend(principal, mailbox, flags, keywordList, internalDate), (stored, ct) =>
            CommitAppendAsync(principal, mailbox, stored, null, owned: true, flags, keywordList, internalDate, ct));
    }

    /// <summary>
    /// RFC 3502 MULTIAPPEND: every body is made durable first, then all messages are added in one write transaction
    /// (rights, quota for their total size), so either all are stored with consecutive UIDs or none is.
    /// </summary>
    public async Task<IReadOnlyList<AppendResult>> CommitAppendsAsync(IReadOnlyList<IMailboxAppend> appends, CancellationToken cancellationToken = default)
    {
        var items = appends.Select(a => a as MailboxAppend ?? throw new ArgumentException("Not an append begun by this store", nameof(appends))).ToList();
        if (items.Count == 0) return [];
        var first = items[0].Pending;
        if (items.Exists(i => i.Pending.Principal != first.Principal || i.Pending.Mailbox != first.Mailbox))
            throw new ArgumentException("All appends of a batch go to one mailbox for one principal", nameof(appends));
        var messages = new List<AppendItem>(items.Count);
        try
        {
            foreach (var item in items)
                messages.Add(new AppendItem(await item.CompleteAsync(cancellationToken), null, item.Pending.Flags, item.Pending.Keywords, item.Pending.InternalDate));
        }
        catch
        {
            foreach (var m in messages) _bodies.DeleteFile(m.Body.Id); // nothing references the files written for this batch
            throw;
        }
        return await CommitStoredAsync(first.Principal, first.Mailbox, messages, owned: true, cancellationToken);
    }

    private async Task<AppendResult> CommitAppendAsync(Principal principal, string mailbox, StoredBody stored, byte[]? prefix, bool owned, MessageFlags flags,
        IReadOnlyList<string>? keywords, DateTimeOffset? internalDate, CancellationToken cancellationToken) =>
        (await CommitStoredAsync(principal, mailbox, [new AppendItem(stored, prefix, flags, keywords, internalDate)], owned, cancellationToken))[0];

    /// <summary>One message for <see cref="CommitStoredAsync"/>: its stored body, the prefix served before it, what the client asked for.</summary>
    private sealed record AppendItem(StoredBody Body, byte[]? Prefix, MessageFlags Flags, IReadOnlyList<string>? Keywords, DateTimeOffset? InternalDate);

    /// <summary>
    /// Adds stored bodies to a mailbox in one transaction. Inside it, on the batch's connection: the name resolved and
    /// the rights checked again (they may have changed while the bodies arrived; the row read there is the one written),
    /// flags the principal may not set dropped (§5.3), the owner's quota for their total size read together with the
    /// bytes held — no connection or settings transaction of their own (issue 11: statements per APPEND).
    /// <paramref name="owned"/>: the files were written for this append, so a refusal deletes them (nothing else
    /// references them).
    /// </summary>
    private async Task<IReadOnlyList<AppendResult>> CommitStoredAsync(Principal principal, string mailbox, IReadOnlyList<AppendItem> messages, bool owned,
        CancellationToken cancellationToken)
    {
        try
        {
            var total = messages.Sum(m => m.Body.Length + (m.Prefix?.Length ?? 0));
            return await WriteAsync<IReadOnlyList<AppendResult>>(async (connection, transaction, effects) =>
            {
                // Once a batch took the write it runs to the end (GroupCommit.cs): no cancellation inside.
                var access = await AccessAsync(connection, principal, mailbox, CancellationToken.None, transaction: transaction);
                RequireInsert(access);
                var owner = access.Target!.Owner;
                var rights = access.Rights.Rights;
                var row = access.Row!;
                var (limit, used) = await QuotaAndUsageAsync(connection, transaction, owner);
                if (limit is not null && used + total > limit) throw OverQuota();
                var results = new List<AppendResult>(messages.Count);
                foreach (var m in messages)
                {
                    var keywordText = rights.HasFlag(MailboxRights.Write) ? MessageRow.JoinKeywords(m.Keywords) : "";
                    var date = (m.InternalDate ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
                    var uid = await InsertMessageAsync(connection, transaction, row, m.Body, m.Prefix, m.Flags & ChangeableFlags(rights), keywordText, date);
                    await BodyStore.AddReferenceAsync(connection, transaction, m.Body);
                    results.Add(new AppendResult((uint)row.UidValidity, uid));
                }
                await SaveCountersAsync(connection, transaction, row);
                effects.Changed(owner, row, MailboxChangeKind.Appended);
                return results;
            }, cancellationToken);
        }
        catch when (owned)
        {
            foreach (var m in messages) _bodies.DeleteFile(m.Body.Id);
            throw;
        }
    }

    /// <summary>
    /// Adds one message to <paramref name="row"/> (its counters updated in memory; the caller saves them): the body
    /// file, behind <paramref name="prefix"/> when given; its size (RFC822.SIZE, quota, SEARCH LARGER) counts both.
    /// </summary>
    private static async Task<uint> InsertMessageAsync(SqliteConnection connection, SqliteTransaction transaction, MailboxRow row, StoredBody body, byte[]? prefix,
        MessageFlags flags, string keywords, long internalDate)
    {
        var uid = row.UidNext++;
        var modseq = ++row.HighestModseq;
        var size = body.Length + (prefix?.Length ?? 0);
        row.Messages++;
        row.Size += size;
        await connection.ExecutePreparedAsync(MailboxStoreSql.InsertMessage,
            new { id = row.Id, uid, flags = (int)flags, keywords, internalDate, size, modseq, bodyId = body.Id, prefix = prefix is { Length: > 0 } ? prefix : null }, transaction);
        return (uint)uid;
    }

    public async Task<StoreResult> StoreFlagsAsync(Principal principal, string mailbox, UidSet uids, FlagChange change, ulong? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        return await StoreFlagsAsync(access.Rights, access.Target!.Owner, (c, t) => ReloadAsync(c, t, access.Row!), uids, change, unchangedSince, cancellationToken);
    }

    /// <summary>STORE on a resolved mailbox (<paramref name="reload"/> finds its row inside the write transaction) with the principal's <paramref name="rights"/>.</summary>
    private Task<StoreResult> StoreFlagsAsync(EffectiveRights rights, AccountAddress owner, Func<SqliteConnection, SqliteTransaction, Task<MailboxRow>> reload,
        UidSet uids, FlagChange change, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        var allowed = ChangeableFlags(rights.Rights);
        var keywordsAllowed = rights.Has(MailboxRights.Write);
        const MessageFlags everyFlag = MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft;
        var requestedFlags = change.Mode == FlagChangeMode.Replace ? everyFlag : change.Flags;
        var requestedKeywords = change.Mode == FlagChangeMode.Replace || change.Keywords.Count > 0;
        // §5.3: flags the principal may not change stay as they are; if no requested change is allowed at all → NOPERM.
        if ((requestedFlags != MessageFlags.None || requestedKeywords) && (requestedFlags & allowed) == 0 && !(requestedKeywords && keywordsAllowed))
            throw NoPerm();
        var flagMask = change.Flags & allowed;

        return WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await reload(connection, transaction);
            var messages = await LoadMessagesAsync(connection, transaction, row.Id, uids);
            var updated = new List<MessageSummary>(messages.Count);
            var modified = new List<uint>();
            var modseq = row.HighestModseq + 1;
            var changedAny = false;
            foreach (var message in messages)
            {
                // RFC 7162 §3.2: UNCHANGEDSINCE leaves alone messages modified after the given value.
                if (unchangedSince is not null && (ulong)message.Modseq > unchangedSince.Value)
                {
                    modified.Add((uint)message.Uid);
                    continue;
                }
                var old = (MessageFlags)message.Flags;
                var flags = change.Mode switch
                {
                    FlagChangeMode.Add => old | flagMask,
                    FlagChangeMode.Remove => old & ~flagMask,
                    _ => (old & ~allowed) | flagMask,
                };
                var keywords = keywordsAllowed ? ChangeKeywords(message.KeywordList, change) : message.Keywords;
                if (flags != old || keywords != message.Keywords)
                {
                    message.Flags = (long)flags;
                    message.Keywords = keywords;
                    message.Modseq = modseq;
                    await connection.ExecuteAsync(MailboxStoreSql.UpdateMessageFlags,
                        new { flags = (int)flags, keywords, modseq, id = row.Id, uid = message.Uid }, transaction);
                    changedAny = true;
                }
                updated.Add(message.ToSummary());
            }
            if (changedAny)
            {
                row.HighestModseq = modseq;
                await SaveCountersAsync(connection, transaction, row);
                effects.Changed(owner, row, MailboxChangeKind.FlagsChanged);
            }
            return new StoreResult(updated, modified);
        }, cancellationToken);
    }

    private static string ChangeKeywords(IReadOnlyList<string> current, FlagChange change) => change.Mode switch
    {
        FlagChangeMode.Add => MessageRow.JoinKeywords(current.Concat(change.Keywords)),
        FlagChangeMode.Remove => MessageRow.JoinKeywords(current.Where(k => !change.Keywords.Contains(k, StringComparer.OrdinalIgnoreCase))),
        _ => MessageRow.JoinKeywords(change.Keywords),
    };

    public async Task<IReadOnlyList<uint>> ExpungeAsync(Principal principal, string mailbox, UidSet? uids = null, CancellationToken cancellationToken = default)
    {
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Delete);
        RequireSelectable(access);
        return await ExpungeAsync(access.Target!.Owner, (c, t) => ReloadAsync(c, t, access.Row!), uids, cancellationToken);
    }

    /// <summary>EXPUNGE on a resolved mailbox; the removed UIDs get tombstones with the new HIGHESTMODSEQ (RFC 7162 §3.2.10).</summary>
    private Task<IReadOnlyList<uint>> ExpungeAsync(AccountAddress owner, Func<SqliteConnection, SqliteTransaction, Task<MailboxRow>> reload, UidSet? uids, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, effects) =>
        {
            var row = await reload(connection, transaction);
            var gone = await LoadMessagesAsync(connection, transaction, row.Id, uids ?? UidSet.All, deletedOnly: true);
            if (gone.Count == 0) return (IReadOnlyList<uint>)[];
            row.HighestModseq++;
            await RemoveMessagesAsync(connection, transaction, row, gone, effects);
            await SaveCountersAsync(connection, transaction, row);
            effects.Changed(owner, row, MailboxChangeKind.Expunged);
            return gone.Select(m => (uint)m.Uid).ToList();
        }, cancellationToken);

    /// <summary>
    /// Deletes the given messages of a mailbox, leaves a tombstone per UID with the row's (already raised)
    /// HIGHESTMODSEQ for QRESYNC, and releases their bodies (counters updated in memory).
    /// </summary>
    private static async Task RemoveMessagesAsync(SqliteConnection connection, SqliteTransaction transaction, MailboxRow row, List<MessageRow> messages, Effects effects)
    {
        foreach (var message in messages)
        {
            await connection.ExecuteAsync(MailboxStoreSql.DeleteMessage, new { id = row.Id, uid = message.Uid }, transaction);
            await connection.ExecuteAsync(MailboxStoreSql.InsertTombstone, new { id = row.Id, uid = message.Uid, modseq = row.HighestModseq }, transaction);
            row.Messages--;
            row.Size -= message.Size;
        }
        await ReleaseBodiesAsync(connection, transaction, messages.Select(m => m.BodyId), effects);
    }

    public async Task<CopyResult> CopyAsync(Principal principal, string from, UidSet uids, string to, bool move, CancellationToken cancellationToken = default)
    {
        Access source, target;
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            source = await AccessAsync(connection, principal, from, cancellationToken);
            Require(source, MailboxRights.Read);
            RequireSelectable(source);
            target = await AccessAsync(connection, principal, to, cancellationToken);
            RequireInsert(target);
            // RFC 6851: MOVE also needs the right to expunge from the source.
            if (move && !source.Rights.Has(MailboxRights.Delete)) throw NoPerm();
        }
        return await CopyAsync(source.Target!.Owner, (c, t) => ReloadAsync(c, t, source.Row!), target, uids, move, cancellationToken);
    }

    /// <summary>COPY/MOVE from a resolved source into a target whose <c>i</c> was checked.</summary>
    private async Task<CopyResult> CopyAsync(AccountAddress sourceOwner, Func<SqliteConnection, SqliteTransaction, Task<MailboxRow>> reloadSource, Access target,
        UidSet uids, bool move, CancellationToken cancellationToken)
    {
        var targetOwner = target.Target!.Owner;
        var limit = move && sourceOwner == targetOwner ? null : await QuotaLimitAsync(targetOwner, cancellationToken);
        var targetRights = target.Rights.Rights;
        var keep = ChangeableFlags(targetRights);
        var keepKeywords = targetRights.HasFlag(MailboxRights.Write);

        return await WriteAsync(async (connection, transaction, effects) =>
        {
            var sourceRow = await reloadSource(connection, transaction);
            var targetRow = sourceRow.Id == target.Row!.Id ? sourceRow : await ReloadAsync(connection, transaction, target.Row!);
            var messages = await LoadMessagesAsync(connection, transaction, sourceRow.Id, uids);
            if (messages.Count == 0) return new CopyResult((uint)targetRow.UidValidity, [], []);
            if (limit is not null && await UsedBytesAsync(connection, transaction, targetOwner) + messages.Sum(m => m.Size) > limit) throw OverQuota();
            var targetUids = new List<uint>(messages.Count);
            foreach (var message in messages)
            {
                // COPY shares the body: one more reference, no bytes copied; the copy keeps the prefix (Return-Path).
                var body = _bodies.Open(message.BodyId, message.BodyLength);
                var keywords = keepKeywords ? message.Keywords : "";
                targetUids.Add(await InsertMessageAsync(connection, transaction, targetRow, body, message.Prefix, (MessageFlags)message.Flags & keep, keywords, message.InternalDate));
                await BodyStore.AddReferenceAsync(connection, transaction, body);
            }
            if (move)
            {
                sourceRow.HighestModseq++;
                await RemoveMessagesAsync(connection, transaction, sourceRow, messages, effects);
            }
            await SaveCountersAsync(connection, transaction, targetRow);
            effects.Changed(targetOwner, targetRow, MailboxChangeKind.Appended);
            if (move)
            {
                if (!ReferenceEquals(sourceRow, targetRow)) await SaveCountersAsync(connection, transaction, sourceRow);
                effects.Changed(sourceOwner, sourceRow, MailboxChangeKind.Expunged);
            }
            return new CopyResult((uint)targetRow.UidValidity, messages.Select(m => (uint)m.Uid).ToList(), targetUids);
        }, cancellationToken);
    }
}
