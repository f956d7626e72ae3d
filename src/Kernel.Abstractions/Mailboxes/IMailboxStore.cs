namespace Kernel.Abstractions;

/// <summary>
/// Mailboxes, messages, flags, ACLs, subscriptions and mailbox aliases. Every call carries the <see cref="Principal"/>
/// and every right is computed by one effective-rights function (mailboxes.md §4.3), so IMAP, HTTP, rules and the CLI
/// enforce the same rights.
/// <para>
/// Names are as the principal typed them: an own name (<c>INBOX/sales</c>, relative to the principal's account), a
/// foreign name (<c>~bob/box</c> in the principal's domain, <c>~bob@other.dom/box</c>), or a mailbox alias.
/// For <see cref="Principal.System"/> only foreign names are meaningful, and <c>~bob/…</c> resolves in the Main Domain.
/// Failures throw <see cref="MailboxException"/> with the RFC 5530 code a protocol plugin answers with.
/// </para>
/// </summary>
public interface IMailboxStore
{
    /// <summary>The principal's effective rights on a mailbox (MYRIGHTS); <see cref="MailboxRights.None"/> when absent or invisible.</summary>
    Task<MailboxRights> GetRightsAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// The principal's rights on many names in one call (LIST and LSUB over a long subscription list): each name as
    /// <see cref="GetRightsAsync(Principal, string, CancellationToken)"/> answers it, keyed by the name as given;
    /// accounts, aliases and ACLs are looked up once per call, not once per name.
    /// </summary>
    Task<IReadOnlyDictionary<string, MailboxRights>> GetRightsAsync(Principal principal, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a mailbox for a session (SELECT/EXAMINE): resolves the name and computes the rights once. Needs <c>r</c>
    /// (mailboxes.md §5.4): visible without it → NOPERM; absent or invisible → NONEXISTENT; not selectable → CANNOT.
    /// </summary>
    Task<IMailboxView> OpenAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// IMAP LIST semantics over the principal's view: <c>*</c> matches anything, <c>%</c> anything but '/'. Own names
    /// and aliases for plain patterns; foreign mailboxes the principal may see (<c>l</c>) for patterns starting with <c>~</c>.
    /// </summary>
    Task<IReadOnlyList<MailboxListItem>> ListAsync(Principal principal, string pattern, CancellationToken cancellationToken = default);

    /// <summary>Creates a mailbox; a trailing '/' creates only the directory facet (mailboxes.md §2.1).</summary>
    Task CreateAsync(Principal principal, string mailbox, SpecialUse specialUse = SpecialUse.None, CancellationToken cancellationToken = default);

    /// <summary>Deletes a mailbox (only its store facet when it has children, RFC 3501 §6.3.4). INBOX cannot be deleted.</summary>
    Task DeleteAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default);

    /// <summary>Renames a mailbox and its children; renaming INBOX moves its messages and leaves an empty INBOX.</summary>
    Task RenameAsync(Principal principal, string from, string to, CancellationToken cancellationToken = default);

    /// <summary>Counters and the principal's rights (SELECT, EXAMINE, STATUS). Needs <c>r</c>.</summary>
    Task<MailboxStatus> GetStatusAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default);

    /// <summary>Summaries of the messages whose UID is in <paramref name="uids"/>, ascending; only those changed after <paramref name="changedSince"/> when given. Needs <c>r</c>.</summary>
    Task<IReadOnlyList<MessageSummary>> FetchAsync(Principal principal, string mailbox, UidSet uids, ulong? changedSince = null, CancellationToken cancellationToken = default);

    /// <summary>The stored message (RFC 5322 bytes). Needs <c>r</c>. Null when the UID is not there.</summary>
    Task<MessageBody?> OpenMessageAsync(Principal principal, string mailbox, uint uid, CancellationToken cancellationToken = default);

    /// <summary>Stores a message (APPEND, local delivery). Needs <c>i</c>; flags the principal may not set are dropped (§5.3).</summary>
    Task<AppendResult> AppendAsync(Principal principal, string mailbox, MessageBody body, MessageFlags flags = MessageFlags.None, IReadOnlyList<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a streamed APPEND: checks <c>i</c> on the target now, before the client sends the literal (RFC 3501
    /// §6.3.11: a refusal comes before the data), and returns the message to write into as the bytes arrive. The
    /// commit checks the rights again and the owner's quota; flags the principal may not set are dropped (§5.3).
    /// </summary>
    Task<IMailboxAppend> BeginAppendAsync(Principal principal, string mailbox, MessageFlags flags = MessageFlags.None, IReadOnlyList<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits several streamed appends (<see cref="BeginAppendAsync"/>, same principal and mailbox) all or nothing:
    /// RFC 3502 MULTIAPPEND. The rights and the owner's quota (for the total size) are checked once, the messages get
    /// consecutive UIDs in one transaction; on a <see cref="MailboxException"/> none is stored.
    /// </summary>
    /// <remarks>Added after SDK 2.0: a store written for 2.0 without it keeps loading and refuses MULTIAPPEND.</remarks>
    Task<IReadOnlyList<AppendResult>> CommitAppendsAsync(IReadOnlyList<IMailboxAppend> appends, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("This mailbox store cannot commit several appends at once");

    /// <summary>
    /// Changes flags (STORE). Each flag needs its right (<c>s</c> for \Seen, <c>t</c> for \Deleted, <c>w</c> for the rest).
    /// With <paramref name="unchangedSince"/> (RFC 7162) messages modified later are left alone and reported in <see cref="StoreResult.Modified"/>.
    /// </summary>
    Task<StoreResult> StoreFlagsAsync(Principal principal, string mailbox, UidSet uids, FlagChange change, ulong? unchangedSince = null, CancellationToken cancellationToken = default);

    /// <summary>Removes messages flagged \Deleted (only those in <paramref name="uids"/> when given). Needs <c>e</c>. Returns the expunged UIDs.</summary>
    Task<IReadOnlyList<uint>> ExpungeAsync(Principal principal, string mailbox, UidSet? uids = null, CancellationToken cancellationToken = default);

    /// <summary>COPY or MOVE (RFC 6851): <c>r</c> on the source, <c>i</c> on the target, and for a move <c>t</c>+<c>e</c> on the source. The body is shared, not copied.</summary>
    Task<CopyResult> CopyAsync(Principal principal, string from, UidSet uids, string to, bool move, CancellationToken cancellationToken = default);

    // --- ACLs (RFC 4314, mailboxes.md §4–5) ---

    /// <summary>The stored entries in the order first created; the owner is not listed. Needs <c>a</c>.</summary>
    Task<IReadOnlyList<AclEntry>> GetAclAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// SETACL: <paramref name="rights"/> may start with '+' or '-' to add or remove; otherwise replaces; empty removes the entry.
    /// A letter outside <c>lrswipkxtecda</c> → <see cref="MailboxError.BadRights"/>. <c>-id</c> names a negative entry.
    /// </summary>
    Task SetAclAsync(Principal principal, string mailbox, string identifier, string rights, CancellationToken cancellationToken = default);

    /// <summary>DELETEACL; an absent entry is not an error.</summary>
    Task DeleteAclAsync(Principal principal, string mailbox, string identifier, CancellationToken cancellationToken = default);

    /// <summary>
    /// LISTRIGHTS (RFC 4314 §3.7, mailboxes.md §5.5) for <paramref name="identifier"/>: the owner line when it names
    /// the mailbox's owner, otherwise the optional groups. The store resolves <c>~name</c> and aliases itself. Needs <c>a</c>.
    /// </summary>
    Task<MailboxRightsList> ListRightsAsync(Principal principal, string mailbox, string identifier, CancellationToken cancellationToken = default);

    /// <summary>Copies the mailbox's ACL onto every existing descendant (WebUser "apply to sub-Mailboxes").</summary>
    Task ApplyAclToChildrenAsync(Principal principal, string mailbox, CancellationToken cancellationToken = default);

    // --- Subscriptions (mailboxes.md §6) ---

    Task<IReadOnlyList<string>> ListSubscriptionsAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken = default);

    Task SubscribeAsync(Principal principal, AccountAddress account, string mailbox, CancellationToken cancellationToken = default);

    Task UnsubscribeAsync(Principal principal, AccountAddress account, string mailbox, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves a whole subscription list (the WebUser Subscription page), all or nothing (mailboxes.md §6): every entry
    /// is checked as SUBSCRIBE checks it; one refused entry throws and leaves the old list intact. Duplicates are
    /// stored once; the order is kept.
    /// </summary>
    Task ReplaceSubscriptionsAsync(Principal principal, AccountAddress account, IReadOnlyList<string> mailboxes, CancellationToken cancellationToken = default);

    // --- Mailbox aliases (mailboxes.md §7) ---

    Task<IReadOnlyList<MailboxAlias>> ListMailboxAliasesAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken = default);

    Task SetMailboxAliasAsync(Principal principal, AccountAddress account, string alias, string target, CancellationToken cancellationToken = default);

    Task RemoveMailboxAliasAsync(Principal principal, AccountAddress account, string alias, CancellationToken cancellationToken = default);

    // --- Quota ---

    /// <summary>Bytes stored in the account's mailboxes and its limit (null = unlimited).</summary>
    Task<QuotaUsage> GetQuotaAsync(Principal principal, AccountAddress account, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the account's mailbox storage limit in bytes (null = unlimited): the <c>MailboxQuotaBytes</c> account
    /// setting GetQuota reads (IMAP SETQUOTA, RFC 9208 §4.2). Only an administrator of the account's mailboxes (the
    /// administrator rows of mailboxes.md §4.3) or the System may; the owner alone → NOPERM.
    /// </summary>
    /// <remarks>Added after SDK 2.0: a store written for 2.0 without it keeps loading and refuses to set quotas.</remarks>
    Task SetQuotaAsync(Principal principal, AccountAddress account, long? limitBytes, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("This mailbox store cannot set quotas");
}
