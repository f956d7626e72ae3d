using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// STATUS/SELECT, FETCH, APPEND, STORE, EXPUNGE, COPY/MOVE (mailboxes.md §5.3, §5.4; RFC 3501, RFC 4315, RFC 6851, RFC 7162).
public sealed partial class SqliteMailboxStore
{
    public async Task<MailboxStatus> GetStatusAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        var row = access.Row!;
        var (unseen, firstUnseen) = connection.QuerySingle<(long, long?)>(
            MailboxStoreSql.CountUnseen, new { id = row.Id, seen = (int)MessageFlags.Seen });
        var keywords = connection.Query<string>(MailboxStoreSql.SelectKeywordLists, new { id = row.Id })
            .SelectMany(k => k.Split(' ')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new MailboxStatus(access.Target!.Display, (uint)row.UidValidity, (uint)row.UidNext, (ulong)row.HighestModseq, (int)row.Messages,
            (int)unseen, firstUnseen is null ? null : (uint)firstUnseen.Value, row.Size, access.Rights.Rights, keywords);
    }

    public async Task<IReadOnlyList<MessageSummary>> FetchAsync(Principal principal, string mailbox, UidSet uids, ulong? changedSince = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        return LoadMessages(connection, null, access.Row!.Id, uids, (long?)changedSince).Select(m => m.ToSummary()).ToList();
    }

    public async Task<MessageBody?> OpenMessageAsync(Principal principal, string mailbox, uint uid, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var access = await AccessAsync(connection, principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        var message = LoadMessages(connection, null, access.Row!.Id, UidSet.Of(uid)).FirstOrDefault();
        if (message is null) return null;
        var length = connection.ExecuteScalar<long?>(MailboxStoreSql.SelectBodySize, new { id = message.BodyId }) ?? message.Size;
        return _bodies.Open(message.BodyId, length);
    }

    public async Task<AppendResult> AppendAsync(Principal principal, string mailbox, MessageBody body, MessageFlags flags = MessageFlags.None,
        IReadOnlyList<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default)
    {
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        RequireInsert(access);
        var owner = access.Target!.Owner;
        // §5.3: flags the principal may not set on the target are dropped silently.
        var rights = access.Rights.Rights;
        flags &= ChangeableFlags(rights);
        var keywordText = rights.HasFlag(MailboxRights.Write) ? MessageRow.JoinKeywords(keywords) : "";
        var limit = await QuotaLimitAsync(owner, cancellationToken);

        // Bodies are stored once: a body the kernel already holds only gains a reference; any other is written first.
        var stored = body as StoredBody;
        var written = false;
        if (stored is null)
        {
            await using var source = body.OpenRead();
            stored = await _bodies.WriteAsync(source, cancellationToken);
            written = true;
        }
        try
        {
            var date = (internalDate ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
            return await WriteAsync((connection, transaction, effects) =>
            {
                var row = Reload(connection, transaction, access.Row!);
                if (!row.IsSelectable) throw MailboxException.NonExistent();
                if (limit is not null && UsedBytes(connection, transaction, owner) + stored.Length > limit) throw OverQuota();
                var uid = InsertMessage(connection, transaction, row, stored, flags, keywordText, date);
                BodyStore.AddReference(connection, transaction, stored);
                SaveCounters(connection, transaction, row);
                effects.Changed(owner, row);
                return new AppendResult((uint)row.UidValidity, uid);
            }, cancellationToken);
        }
        catch when (written)
        {
            _bodies.DeleteFile(stored.Id); // nothing references the file we wrote
            throw;
        }
    }

    /// <summary>Adds one message to <paramref name="row"/> (its counters updated in memory; the caller saves them).</summary>
    private static uint InsertMessage(SqliteConnection connection, SqliteTransaction transaction, MailboxRow row, StoredBody body, MessageFlags flags, string keywords, long internalDate)
    {
        var uid = row.UidNext++;
        var modseq = ++row.HighestModseq;
        row.Messages++;
        row.Size += body.Length;
        connection.Execute(MailboxStoreSql.InsertMessage,
            new { id = row.Id, uid, flags = (int)flags, keywords, internalDate, size = body.Length, modseq, bodyId = body.Id }, transaction);
        return (uint)uid;
    }

    public async Task<StoreResult> StoreFlagsAsync(Principal principal, string mailbox, UidSet uids, FlagChange change, CancellationToken cancellationToken = default, ulong? unchangedSince = null)
    {
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        var allowed = ChangeableFlags(access.Rights.Rights);
        var keywordsAllowed = access.Rights.Has(MailboxRights.Write);
        const MessageFlags everyFlag = MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft;
        var requestedFlags = change.Mode == FlagChangeMode.Replace ? everyFlag : change.Flags;
        var requestedKeywords = change.Mode == FlagChangeMode.Replace || change.Keywords.Count > 0;
        // §5.3: flags the principal may not change stay as they are; if no requested change is allowed at all → NOPERM.
        if ((requestedFlags != MessageFlags.None || requestedKeywords) && (requestedFlags & allowed) == 0 && !(requestedKeywords && keywordsAllowed))
            throw NoPerm();
        var flagMask = change.Flags & allowed;
        var owner = access.Target!.Owner;

        return await WriteAsync((connection, transaction, effects) =>
        {
            var row = Reload(connection, transaction, access.Row!);
            var messages = LoadMessages(connection, transaction, row.Id, uids);
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
                    connection.Execute(MailboxStoreSql.UpdateMessageFlags,
                        new { flags = (int)flags, keywords, modseq, id = row.Id, uid = message.Uid }, transaction);
                    changedAny = true;
                }
                updated.Add(message.ToSummary());
            }
            if (changedAny)
            {
                row.HighestModseq = modseq;
                SaveCounters(connection, transaction, row);
                effects.Changed(owner, row);
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
        var owner = access.Target!.Owner;
        return await WriteAsync((connection, transaction, effects) =>
        {
            var row = Reload(connection, transaction, access.Row!);
            var gone = LoadMessages(connection, transaction, row.Id, uids ?? UidSet.All, deletedOnly: true);
            if (gone.Count == 0) return (IReadOnlyList<uint>)[];
            RemoveMessages(connection, transaction, row, gone, effects);
            row.HighestModseq++;
            SaveCounters(connection, transaction, row);
            effects.Changed(owner, row);
            return gone.Select(m => (uint)m.Uid).ToList();
        }, cancellationToken);
    }

    /// <summary>Deletes the given messages of a mailbox and releases their bodies (counters updated in memory).</summary>
    private static void RemoveMessages(SqliteConnection connection, SqliteTransaction transaction, MailboxRow row, List<MessageRow> messages, Effects effects)
    {
        foreach (var message in messages)
        {
            connection.Execute(MailboxStoreSql.DeleteMessage, new { id = row.Id, uid = message.Uid }, transaction);
            row.Messages--;
            row.Size -= message.Size;
        }
        ReleaseBodies(connection, transaction, messages.Select(m => m.BodyId), effects);
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
        var sourceOwner = source.Target!.Owner;
        var targetOwner = target.Target!.Owner;
        var limit = move && sourceOwner == targetOwner ? null : await QuotaLimitAsync(targetOwner, cancellationToken);
        var targetRights = target.Rights.Rights;
        var keep = ChangeableFlags(targetRights);
        var keepKeywords = targetRights.HasFlag(MailboxRights.Write);

        return await WriteAsync((connection, transaction, effects) =>
        {
            var sourceRow = Reload(connection, transaction, source.Row!);
            var targetRow = sourceRow.Id == target.Row!.Id ? sourceRow : Reload(connection, transaction, target.Row!);
            var messages = LoadMessages(connection, transaction, sourceRow.Id, uids);
            if (messages.Count == 0) return new CopyResult((uint)targetRow.UidValidity, [], []);
            if (limit is not null && UsedBytes(connection, transaction, targetOwner) + messages.Sum(m => m.Size) > limit) throw OverQuota();
            var targetUids = new List<uint>(messages.Count);
            foreach (var message in messages)
            {
                // COPY shares the body: one more reference, no bytes copied.
                var body = _bodies.Open(message.BodyId, message.Size);
                var keywords = keepKeywords ? message.Keywords : "";
                targetUids.Add(InsertMessage(connection, transaction, targetRow, body, (MessageFlags)message.Flags & keep, keywords, message.InternalDate));
                BodyStore.AddReference(connection, transaction, body);
            }
            if (move)
            {
                RemoveMessages(connection, transaction, sourceRow, messages, effects);
                sourceRow.HighestModseq++;
            }
            SaveCounters(connection, transaction, targetRow);
            effects.Changed(targetOwner, targetRow);
            if (!ReferenceEquals(sourceRow, targetRow) && move)
            {
                SaveCounters(connection, transaction, sourceRow);
                effects.Changed(sourceOwner, sourceRow);
            }
            return new CopyResult((uint)targetRow.UidValidity, messages.Select(m => (uint)m.Uid).ToList(), targetUids);
        }, cancellationToken);
    }
}
