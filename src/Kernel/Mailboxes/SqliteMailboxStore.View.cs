using Dapper;
using Kernel.Abstractions;
using Kernel.Mailboxes.Structure;
using Kernel.Storage;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Kernel.Mailboxes;

// The mailbox view (IMailboxView, issue 7 §3): open once, then work by mailbox id with the rights computed at open.
// The checks are the name-based ones (Require, RequireInsert; mailboxes.md §5.3) applied to the view's rights, and the
// work is the same code (Status, Summaries, StoreFlagsAsync, ExpungeAsync, CopyAsync in SqliteMailboxStore.Messages.cs).
public sealed partial class SqliteMailboxStore
{
    // Bumped before an ACL change is published, so OpenAsync can tell whether one slipped in between its rights
    // computation and the view's bus subscription (and then computes again).
    private long _rightsEpoch;

    public async Task<IMailboxView> OpenAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default)
    {
        var epoch = Interlocked.Read(ref _rightsEpoch);
        var access = await AccessAsync(principal, mailbox, cancellationToken);
        // §5.4: SELECT/EXAMINE need r (visible without it → NOPERM; absent or invisible → NONEXISTENT).
        Require(access, MailboxRights.Read);
        RequireSelectable(access);
        var target = access.Target!;
        // After a rename the view's name follows for an own or ~acct/ name; an alias name stays as typed.
        var prefix = target.IsOwnName ? "" : ForeignMailboxName.TryParse(target.Display, out var foreign) ? foreign!.Prefix : null;
        var view = new MailboxView(this, _bus, _logger, principal, access.Row!.Id, target.Owner, target.Display, (uint)access.Row.UidValidity, access.Rights.Rights, prefix);
        if (Interlocked.Read(ref _rightsEpoch) != epoch) await view.RefreshRightsAsync(cancellationToken);
        return view;
    }

    /// <summary>Called for every ACL change this process publishes or relays (see <see cref="_rightsEpoch"/>).</summary>
    internal void NoteRightsChange() => Interlocked.Increment(ref _rightsEpoch);

    /// <summary>The view's rights now (the one rights function, §4.3); null when its mailbox is gone or was re-created.</summary>
    internal async Task<MailboxRights?> ViewRightsAsync(MailboxView view, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<MailboxRow>(new CommandDefinition(MailboxStoreSql.SelectMailboxById, new { id = view.MailboxId }, cancellationToken: cancellationToken));
        if (row is null || !row.IsSelectable || row.UidValidity != view.UidValidity || row.Account != view.Owner.ToString()) return null;
        var rights = await _rights.EvaluateAsync(view.Principal, view.Owner, await LoadAclAsync(connection, null, row.Id), cancellationToken);
        return rights.Rights;
    }

    /// <summary>A read through a view: usable, <c>r</c> held, the mailbox still there; returns an open connection and its row.</summary>
    private async Task<(SqliteConnection Connection, MailboxRow Row)> ViewReadAsync(MailboxView view, CancellationToken cancellationToken)
    {
        view.ThrowIfUnusable();
        Require(view.EffectiveRights, MailboxRights.Read);
        var connection = await _database.OpenAsync(cancellationToken);
        try
        {
            return (connection, await ReloadByIdAsync(connection, null, view.MailboxId, view.Owner, view.UidValidity));
        }
        catch (MailboxException)
        {
            view.MarkDeleted();
            await connection.DisposeAsync();
            throw;
        }
    }

    internal async Task<MailboxStatus> ViewStatusAsync(MailboxView view, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection) return await StatusAsync(connection, view.Name, row, view.Rights);
    }

    internal async Task<IReadOnlyList<MessageSummary>> ViewFetchAsync(MailboxView view, UidSet uids, ulong? changedSince, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection) return ReadSummaries(connection, row.Id, uids, changedSince);
    }

    internal async Task<IReadOnlyList<uint>> ViewVanishedAsync(MailboxView view, ulong sinceModSeq, UidSet? uids, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection)
        {
            var parameters = new DynamicParameters();
            parameters.Add("mailboxId", row.Id);
            parameters.Add("since", (long)Math.Min(sinceModSeq, long.MaxValue));
            var ranges = UidRanges(parameters, uids);
            var found = (await connection.QueryAsync<long>(MailboxStoreSql.SelectVanished(ranges), parameters)).Select(u => (uint)u);
            return (uids is not null && ranges is null ? found.Where(uids.Contains) : found).ToList();
        }
    }

    /// <summary>
    /// The stored messages of <paramref name="uids"/> in UID order, from one query (message row joined with its body
    /// row): the body behind the message's prefix, its length the body row's size, else the message size less the prefix.
    /// Inline bodies' bytes come with the rows, up to <see cref="BatchInlineBytes"/> per call (bounded memory for a
    /// FETCH 1:* batch); past that an inline body reads its bytes when it is opened.
    /// </summary>
    private async Task<List<(uint Uid, MessageBody Body)>> ReadBodiesAsync(SqliteConnection connection, long mailboxId, UidSet uids,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("mailboxId", mailboxId);
        var ranges = UidRanges(parameters, uids);
        var found = new List<(uint Uid, MessageBody Body)>();
        long inlineBytes = 0;
        await using var reader = await connection.ExecuteReaderAsync(MailboxStoreSql.SelectMessageBodies(ranges), parameters);
        while (await reader.ReadAsync(cancellationToken))
        {
            var uid = (uint)reader.GetInt64(0);
            if (ranges is null && !uids.Contains(uid)) continue;
            var prefix = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
            var size = reader.GetInt64(3);
            var length = reader.IsDBNull(4) ? size - (prefix?.Length ?? 0) : reader.GetInt64(4);
            byte[]? data = null;
            if (inlineBytes < BatchInlineBytes && !reader.IsDBNull(5))
            {
                data = (byte[])reader.GetValue(5);
                inlineBytes += data.Length;
            }
            var body = _bodies.Open(reader.GetString(1), length, data);
            found.Add((uid, prefix is { Length: > 0 } ? new PrefixedBody(prefix, body) : body));
        }
        return found;
    }

    /// <summary>How many bytes of inline bodies one batched read holds at most (the IMAP plugin asks 1,000 messages at a time).</summary>
    private const long BatchInlineBytes = 8 * 1024 * 1024;

    /// <summary>
    /// How many UID ranges go into the SQL (<see cref="MailboxStoreSql.UidCondition"/>): up to 32; more (a long sequence
    /// set) → null, and the caller filters the rows instead of building a huge statement.
    /// </summary>
    private static int? SqlUidRanges(UidSet? uids) => uids is null || uids.Ranges.Count > 32 ? null : uids.Ranges.Count;

    /// <summary>Binds the UID ranges that go into the SQL as <c>@f{i}</c>/<c>@l{i}</c>; their count, or null (see <see cref="SqlUidRanges"/>).</summary>
    private static int? UidRanges(DynamicParameters parameters, UidSet? uids)
    {
        var ranges = SqlUidRanges(uids);
        for (var i = 0; i < (ranges ?? 0); i++)
        {
            parameters.Add($"f{i}", (long)uids!.Ranges[i].First);
            parameters.Add($"l{i}", (long)uids.Ranges[i].Last);
        }
        return ranges;
    }

    /// <summary>As <see cref="UidRanges(DynamicParameters, UidSet?)"/>, on a statement stepped through <see cref="SqliteRows"/> (prepared with <paramref name="ranges"/> = <see cref="SqlUidRanges"/>).</summary>
    private static void BindUidRanges(SqliteRows rows, UidSet uids, int? ranges)
    {
        for (var i = 0; i < (ranges ?? 0); i++)
        {
            rows.Bind($"@f{i}", uids.Ranges[i].First);
            rows.Bind($"@l{i}", uids.Ranges[i].Last);
        }
    }

    internal async Task<MessageBody?> ViewOpenMessageAsync(MailboxView view, uint uid, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection) return await OpenBodyAsync(connection, row.Id, uid);
    }

    /// <summary>
    /// Many messages as <see cref="ViewOpenMessageAsync"/> gives one: the rights check, the mailbox row and every
    /// message's body id, prefix and size in one connection and one query; the connection is back in the pool before
    /// the first message is yielded (a slow IMAP client holds none), and each file is opened only by the caller.
    /// </summary>
    internal async IAsyncEnumerable<(uint Uid, MessageBody Body)> ViewOpenMessagesAsync(MailboxView view, UidSet uids,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        List<(uint Uid, MessageBody Body)> found;
        await using (connection) found = await ReadBodiesAsync(connection, row.Id, uids, cancellationToken);
        foreach (var message in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return message;
        }
    }

    internal async Task<Stream?> ViewOpenRangeAsync(MailboxView view, uint uid, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        MessageBody? body;
        await using (connection) body = await OpenBodyAsync(connection, row.Id, uid);
        if (body is null) return null;
        return new BodyRangeStream(body.OpenRead(), offset, length);
    }

    /// <summary>One message's structure: the batched read (<see cref="ViewStructuresAsync"/>) of a single UID.</summary>
    internal async Task<MessageStructure?> ViewStructureAsync(MailboxView view, uint uid, CancellationToken cancellationToken)
    {
        await foreach (var (_, structure) in ViewStructuresAsync(view, UidSet.Of(uid), cancellationToken)) return structure;
        return null;
    }

    /// <summary>
    /// <see cref="IMailboxView.GetStructuresAsync"/>: one rights check, one mailbox reload and one query (messages ⟕
    /// cached structures) for the whole UID set; a body not cached yet is parsed now and cached
    /// (<see cref="ParseAndCacheStructureAsync"/>), once however many rows hold it. A row's prefix shifts its body's structure
    /// (<see cref="MessageStructureShift"/>). The connection is back in the pool before the first structure is yielded.
    /// </summary>
    internal async IAsyncEnumerable<(uint Uid, MessageStructure Structure)> ViewStructuresAsync(MailboxView view, UidSet uids,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        var found = new List<(uint Uid, MessageStructure Structure)>();
        await using (connection)
        {
            var parameters = new DynamicParameters();
            parameters.Add("mailboxId", row.Id);
            parameters.Add("format", MessageStructureReader.Format);
            var ranges = UidRanges(parameters, uids);
            var misses = new List<(int Index, byte[]? Prefix, Storage.StoredBody Body)>();
            await using (var reader = await connection.ExecuteReaderAsync(MailboxStoreSql.SelectMessageStructures(ranges), parameters))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var uid = (uint)reader.GetInt64(0);
                    if (ranges is null && !uids.Contains(uid)) continue;
                    var prefix = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
                    var cached = reader.IsDBNull(4) ? null : MessageStructureReader.Deserialize(reader.GetString(4));
                    if (cached is null) misses.Add((found.Count, prefix, _bodies.Open(reader.GetString(1), reader.GetInt64(3) - (prefix?.Length ?? 0))));
                    found.Add((uid, cached is null ? null! : MessageStructureShift.Shift(cached, prefix?.Length ?? 0)));
                }
            }
            // Parsed and cached after the reader is closed (one body in several rows is parsed once).
            var parsed = new Dictionary<string, MessageStructure>(StringComparer.Ordinal);
            foreach (var (index, prefix, body) in misses)
            {
                if (!parsed.TryGetValue(body.Id, out var structure))
                    parsed[body.Id] = structure = await ParseAndCacheStructureAsync(connection, body, cancellationToken);
                found[index] = (found[index].Uid, MessageStructureShift.Shift(structure, prefix?.Length ?? 0));
            }
        }
        foreach (var message in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return message;
        }
    }

    /// <summary>
    /// The structure of a stored body the cache (<c>message_structures</c>, one row per body, gone with it) does not
    /// hold yet: parsed now with MimeKit and cached, so each body is parsed once however many mailboxes hold it.
    /// </summary>
    private static async Task<MessageStructure> ParseAndCacheStructureAsync(SqliteConnection connection, Storage.StoredBody body, CancellationToken cancellationToken)
    {
        MessageStructure structure;
        await using (var stream = body.OpenRead()) structure = await MessageStructureReader.ReadAsync(stream, cancellationToken);
        await connection.ExecuteAsync(MailboxStoreSql.UpsertStructure, new { id = body.Id, format = MessageStructureReader.Format, structure = MessageStructureReader.Serialize(structure) });
        return structure;
    }

    private static readonly MessageQuery EveryMessage = new();

    internal async Task<IReadOnlyList<uint>> ViewSearchAsync(MailboxView view, MessageQuery query, CancellationToken cancellationToken)
    {
        var (connection, row) = await ViewReadAsync(view, cancellationToken);
        await using (connection)
        {
            // Every message (what SELECT asks for its sequence map): the mailbox's snapshot.
            if (query == EveryMessage) return (await SnapshotAsync(connection, row)).Snapshot.Uids;
            var parameters = new DynamicParameters();
            parameters.Add("mailboxId", row.Id);
            var ranges = UidRanges(parameters, query.Uids);
            if (query.FlagsSet != MessageFlags.None) parameters.Add("flagsSet", (int)query.FlagsSet);
            if (query.FlagsNotSet != MessageFlags.None) parameters.Add("flagsNotSet", (int)query.FlagsNotSet);
            var keywords = SearchKeywords(query.Keywords, out var impossible);
            if (impossible) return []; // a keyword that cannot be stored (empty, with a space) is set on no message
            var notKeywords = SearchKeywords(query.NotKeywords, out _);
            for (var i = 0; i < keywords.Count; i++) parameters.Add($"kw{i}", MailboxStoreSql.KeywordPattern(keywords[i]));
            for (var i = 0; i < notKeywords.Count; i++) parameters.Add($"nkw{i}", MailboxStoreSql.KeywordPattern(notKeywords[i]));
            if (query.InternalDateSince is { } since) parameters.Add("since", since.ToUnixTimeMilliseconds());
            if (query.InternalDateBefore is { } before) parameters.Add("before", before.ToUnixTimeMilliseconds());
            if (query.LargerThan is { } larger) parameters.Add("larger", larger);
            if (query.SmallerThan is { } smaller) parameters.Add("smaller", smaller);
            if (query.ModSeqAtLeast is { } modseq) parameters.Add("modseq", (long)Math.Min(modseq, long.MaxValue));
            var sql = MailboxStoreSql.SearchMessages(ranges,
                query.FlagsSet != MessageFlags.None, query.FlagsNotSet != MessageFlags.None, keywords.Count, notKeywords.Count,
                query.InternalDateSince is not null, query.InternalDateBefore is not null, query.LargerThan is not null,
                query.SmallerThan is not null, query.ModSeqAtLeast is not null);
            // Not Dapper's buffered List<long> (for a large mailbox a large-object-heap array at every IMAP SELECT) nor
            // a row per UID (two native calls each): the UIDs packed by SQLite into one value (see PackedUidsAsync).
            var filter = query.Uids is { } uids && ranges is null ? uids : null;
            return await PackedUidsAsync(connection, sql, parameters, filter, cancellationToken);
        }
    }

    /// <summary>Keywords as they are stored (trimmed atoms); <paramref name="impossible"/> when one could never be stored.</summary>
    private static List<string> SearchKeywords(IReadOnlyList<string>? keywords, out bool impossible)
    {
        impossible = false;
        var result = new List<string>();
        foreach (var keyword in keywords ?? [])
        {
            var k = keyword.Trim();
            if (k.Length == 0 || k.Contains(' ') || k.StartsWith('\\')) { impossible = true; continue; }
            result.Add(k);
        }
        return result;
    }

    internal Task<StoreResult> ViewStoreFlagsAsync(MailboxView view, UidSet uids, FlagChange change, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        view.ThrowIfUnusable();
        var rights = view.EffectiveRights;
        Require(rights, MailboxRights.Read);
        return StoreFlagsAsync(rights, view.Owner, (c, t) => ReloadForViewAsync(c, t, view), uids, change, unchangedSince, cancellationToken);
    }

    internal Task<IReadOnlyList<uint>> ViewExpungeAsync(MailboxView view, UidSet? uids, CancellationToken cancellationToken)
    {
        view.ThrowIfUnusable();
        Require(view.EffectiveRights, MailboxRights.Delete);
        return ExpungeAsync(view.Owner, (c, t) => ReloadForViewAsync(c, t, view), uids, cancellationToken);
    }

    internal async Task<CopyResult> ViewCopyAsync(MailboxView view, UidSet uids, string to, bool move, CancellationToken cancellationToken)
    {
        view.ThrowIfUnusable();
        var rights = view.EffectiveRights;
        Require(rights, MailboxRights.Read);
        Access target;
        await using (var connection = await _database.OpenAsync(cancellationToken))
        {
            target = await AccessAsync(connection, view.Principal, to, cancellationToken);
        }
        RequireInsert(target);
        // RFC 6851: MOVE also needs the right to expunge from the source.
        if (move && !rights.Has(MailboxRights.Delete)) throw NoPerm();
        return await CopyAsync(view.Owner, (c, t) => ReloadForViewAsync(c, t, view), target, uids, move, cancellationToken);
    }

    private static async Task<MailboxRow> ReloadForViewAsync(SqliteConnection connection, SqliteTransaction transaction, MailboxView view)
    {
        try
        {
            return await ReloadByIdAsync(connection, transaction, view.MailboxId, view.Owner, view.UidValidity);
        }
        catch (MailboxException)
        {
            view.MarkDeleted();
            throw;
        }
    }
}
