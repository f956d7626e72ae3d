namespace Kernel.Abstractions;

/// <summary>
/// A mailbox opened once for a session (IMAP SELECT/EXAMINE, a WebUser mailbox page), from
/// <see cref="IMailboxStore.OpenAsync"/>. The name was resolved (own, <c>~account/box</c> or an alias) and the
/// principal's rights computed at open; afterwards calls go straight to the mailbox by its id, and the rights are
/// recomputed only when an ACL or administrator-rights change for this mailbox or account arrives on the bus — not on
/// every call. A rename keeps the view working (the id is stable); a deletion ends it (calls then fail with
/// <see cref="MailboxError.NonExistent"/>). Calls check <see cref="Rights"/> as the name-based
/// <see cref="IMailboxStore"/> methods do (mailboxes.md §5.3), which share their implementation.
/// Dispose when the session leaves the mailbox: it stops the view's bus subscriptions.
/// </summary>
public interface IMailboxView : IAsyncDisposable
{
    /// <summary>Stable for the life of the mailbox, whatever name it is reached by or renamed to; <see cref="MailboxChanged.MailboxId"/> carries it.</summary>
    long MailboxId { get; }

    /// <summary>The account that holds the mailbox (whose quota it uses).</summary>
    AccountAddress Owner { get; }

    /// <summary>The name as the principal typed it (own, <c>~account/box</c>, or the alias), echoed back in responses (mailboxes.md §3).</summary>
    string Name { get; }

    /// <summary>RFC 3501 UIDVALIDITY at open.</summary>
    uint UidValidity { get; }

    /// <summary>The principal's effective rights (mailboxes.md §4.3), as last computed: at open and after each ACL or rights change event.</summary>
    MailboxRights Rights { get; }

    /// <summary>Counters as SELECT and STATUS report them (needs <c>r</c>).</summary>
    Task<MailboxStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Summaries of the messages in <paramref name="uids"/>, ascending; only those with a modseq above <paramref name="changedSince"/> when given (RFC 7162 CHANGEDSINCE).</summary>
    Task<IReadOnlyList<MessageSummary>> FetchAsync(UidSet uids, ulong? changedSince = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// UIDs expunged with a modseq above <paramref name="sinceModSeq"/> (only those in <paramref name="uids"/> when
    /// given), ascending: RFC 7162 §3.2.5.1 VANISHED (EARLIER) for QRESYNC and FETCH … (CHANGEDSINCE n VANISHED).
    /// </summary>
    Task<IReadOnlyList<uint>> GetVanishedAsync(ulong sinceModSeq, UidSet? uids = null, CancellationToken cancellationToken = default);

    /// <summary>The whole stored message; null when the UID is not there.</summary>
    Task<MessageBody?> OpenMessageAsync(uint uid, CancellationToken cancellationToken = default);

    /// <summary>
    /// RFC 3501 §2.3.2 <c>\Recent</c>, kept by the store so every process and node sharing it agrees: the mailbox's
    /// mark "messages up to this UID have been shown to a session". With <paramref name="claim"/> the mark is raised to
    /// <paramref name="upToUid"/> atomically (a SELECT, or a selected session told of new messages) and the caller alone
    /// holds the UIDs above the returned previous mark as recent; without it the mark is only read (EXAMINE, STATUS).
    /// The default keeps no mark and answers 0: every message counts as recent (RFC 3501: when the server cannot tell,
    /// a message SHOULD be considered recent).
    /// </summary>
    ValueTask<uint> ClaimRecentAsync(uint upToUid, bool claim, CancellationToken cancellationToken = default) => ValueTask.FromResult(0u);

    /// <summary>
    /// The stored messages of <paramref name="uids"/> that are there, ascending by UID, as <see cref="OpenMessageAsync"/>
    /// gives each one — for whole-mailbox reads (IMAP FETCH 1:* BODY[], SEARCH BODY/HEADER): the store looks up all of
    /// them at once instead of once per message; each body's file is opened only when the caller calls
    /// <see cref="MessageBody.OpenRead"/>. The default asks <see cref="FetchAsync"/> then <see cref="OpenMessageAsync"/> per UID.
    /// </summary>
    async IAsyncEnumerable<(uint Uid, MessageBody Body)> OpenMessagesAsync(UidSet uids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var message in await FetchAsync(uids, null, cancellationToken))
        {
            if (await OpenMessageAsync(message.Uid, cancellationToken) is { } body) yield return (message.Uid, body);
        }
    }

    /// <summary>
    /// The header block of each stored message of <paramref name="uids"/> that is there, ascending by UID: its bytes
    /// up to the empty line that ends the header (RFC 5322 §2.1; the empty line left out, the whole message when it has
    /// none) — for IMAP SEARCH HEADER/FROM/TO/SUBJECT… and the sent date over many messages without reading every
    /// message file. A message whose header block is longer than 256 KiB is left out: read it with
    /// <see cref="OpenMessageAsync"/>. The kernel's store answers from a header cache kept per stored body; the
    /// default reads each message of <see cref="OpenMessagesAsync"/> up to its empty line.
    /// </summary>
    async IAsyncEnumerable<(uint Uid, ReadOnlyMemory<byte> Header)> ReadHeadersAsync(UidSet uids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (uid, body) in OpenMessagesAsync(uids, cancellationToken))
        {
            byte[]? header;
            await using (var stream = body.OpenRead()) header = await MessageHeaderBlock.ReadAsync(stream, cancellationToken);
            if (header is not null) yield return (uid, header);
        }
    }

    /// <summary>
    /// The UIDs of <paramref name="uids"/>, ascending, whose header may hold <paramref name="text"/> — a first cut for
    /// IMAP SEARCH HEADER/FROM/TO/SUBJECT… (RFC 3501 §6.4.4: a case-insensitive substring of a field's value, unfolded
    /// and with RFC 2047 encoded words decoded) over many messages, so only the few that may match are read and
    /// parsed. A UID left out certainly has no field whose value contains the text; one given back may still not match:
    /// the caller checks it. The kernel's store answers from its header cache in one query (ASCII text only; any
    /// other text keeps every UID). The default keeps every UID there is (<see cref="SearchAsync"/>).
    /// </summary>
    Task<IReadOnlyList<uint>> FindInHeadersAsync(UidSet uids, string text, CancellationToken cancellationToken = default) =>
        SearchAsync(new MessageQuery { Uids = uids }, cancellationToken);

    /// <summary>
    /// <paramref name="length"/> bytes of the stored message from <paramref name="offset"/> (fewer at its end), read
    /// from the file as the caller reads the stream — no whole body is loaded. Offsets come from
    /// <see cref="GetStructureAsync"/> (BODY[n.HEADER], BODY[n.MIME], BODY[n], partial fetches). Null when the UID is not there.
    /// </summary>
    Task<Stream?> OpenRangeAsync(uint uid, long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>The parsed structure (ENVELOPE, BODYSTRUCTURE, part offsets), computed once per stored body and cached. Null when the UID is not there.</summary>
    Task<MessageStructure?> GetStructureAsync(uint uid, CancellationToken cancellationToken = default);

    /// <summary>
    /// The structures of the stored messages of <paramref name="uids"/> that are there, ascending by UID, as
    /// <see cref="GetStructureAsync"/> gives each one — for FETCH ENVELOPE/BODYSTRUCTURE/BODY[n] over many messages:
    /// the store looks up all of them at once instead of once per message. The default asks
    /// <see cref="FetchAsync"/> then <see cref="GetStructureAsync"/> per UID.
    /// </summary>
    async IAsyncEnumerable<(uint Uid, MessageStructure Structure)> GetStructuresAsync(UidSet uids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var message in await FetchAsync(uids, null, cancellationToken))
        {
            if (await GetStructureAsync(message.Uid, cancellationToken) is { } structure) yield return (message.Uid, structure);
        }
    }

    /// <summary>The UIDs of the messages matching every condition of <paramref name="query"/>, ascending, evaluated in the store.</summary>
    Task<IReadOnlyList<uint>> SearchAsync(MessageQuery query, CancellationToken cancellationToken = default);

    /// <summary>STORE, as <see cref="IMailboxStore.StoreFlagsAsync"/>.</summary>
    Task<StoreResult> StoreFlagsAsync(UidSet uids, FlagChange change, ulong? unchangedSince = null, CancellationToken cancellationToken = default);

    /// <summary>EXPUNGE / UID EXPUNGE, as <see cref="IMailboxStore.ExpungeAsync"/>; the expunged UIDs leave tombstones for <see cref="GetVanishedAsync"/>.</summary>
    Task<IReadOnlyList<uint>> ExpungeAsync(UidSet? uids = null, CancellationToken cancellationToken = default);

    /// <summary>COPY or MOVE from this mailbox into <paramref name="target"/> (a name as the principal types it), as <see cref="IMailboxStore.CopyAsync"/>.</summary>
    Task<CopyResult> CopyAsync(UidSet uids, string target, bool move, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> for every <see cref="MailboxChanged"/> of this mailbox (by id, so it works for
    /// <c>~bob/INBOX</c> and aliases alike), from this process or another; IMAP IDLE and NOOP updates use it.
    /// The view's own rights are already updated when an <see cref="MailboxChangeKind.AclChanged"/> reaches the handler.
    /// Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(Func<MailboxChanged, CancellationToken, ValueTask> handler);
}
