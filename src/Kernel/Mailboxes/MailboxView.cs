using System.Collections.Immutable;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Kernel.Mailboxes;

/// <summary>
/// An open mailbox (<see cref="IMailboxView"/>). Holds what was resolved at open — id, owner, UIDVALIDITY, the name
/// as typed — and the principal's rights, which it recomputes only when the bus says they may have changed: an
/// <see cref="MailboxChangeKind.AclChanged"/> for this mailbox, administrator rights of the principal or the owner, or
/// an account/group change announced as a nameless <see cref="ConfigurationChanged"/> (made by another process).
/// Every call goes to <see cref="SqliteMailboxStore"/>, which checks these rights with the same rules as the
/// name-based calls. One bus subscription per view feeds both its own state and the session's handlers, so a handler
/// sees the rights already updated.
/// </summary>
internal sealed class MailboxView : IMailboxView
{
    private readonly SqliteMailboxStore _store;
    private readonly ILogger _logger;
    private readonly string? _prefix;
    private readonly IDisposable _mailboxEvents;
    private readonly IDisposable _accountEvents;
    private readonly IDisposable _configurationEvents;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private ImmutableList<Func<MailboxChanged, CancellationToken, ValueTask>> _handlers = [];
    private volatile string _name;
    private volatile int _rights;
    private volatile bool _deleted;
    private volatile bool _disposed;

    /// <param name="prefix">What goes before the owner's name in <see cref="Name"/> after a rename: "" for an own name, <c>~acct/</c> as typed for a foreign one; null for an alias (its name stays).</param>
    public MailboxView(SqliteMailboxStore store, IMessageBus bus, ILogger logger, Principal principal, long mailboxId, AccountAddress owner,
        string name, uint uidValidity, MailboxRights rights, string? prefix)
    {
        _store = store;
        _logger = logger;
        Principal = principal;
        MailboxId = mailboxId;
        Owner = owner;
        _name = name;
        UidValidity = uidValidity;
        _rights = (int)rights;
        _prefix = prefix;
        _mailboxEvents = bus.Subscribe<MailboxChanged>(OnMailboxChangedAsync);
        _accountEvents = bus.Subscribe<AccountChanged>(OnAccountChangedAsync);
        _configurationEvents = bus.Subscribe<ConfigurationChanged>(OnConfigurationChangedAsync);
    }

    public Principal Principal { get; }

    public long MailboxId { get; }

    public AccountAddress Owner { get; }

    public string Name => _name;

    public uint UidValidity { get; }

    public MailboxRights Rights => (MailboxRights)_rights;

    internal EffectiveRights EffectiveRights => new(Rights, false);

    /// <summary>Throws when the view can no longer be used: disposed, or its mailbox deleted (NONEXISTENT).</summary>
    internal void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_deleted) throw MailboxException.NonExistent();
    }

    internal void MarkDeleted() => _deleted = true;

    /// <summary>Recomputes the rights (one at a time, so an older computation never overwrites a newer one).</summary>
    internal async Task RefreshRightsAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var rights = await _store.ViewRightsAsync(this, cancellationToken);
            if (rights is null) _deleted = true;
            else _rights = (int)rights.Value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async ValueTask OnMailboxChangedAsync(MailboxChanged changed, CancellationToken cancellationToken)
    {
        if (changed.MailboxId != MailboxId || _disposed) return;
        switch (changed.Kind)
        {
            case MailboxChangeKind.AclChanged:
                await RefreshRightsAsync(cancellationToken);
                break;
            case MailboxChangeKind.Deleted:
                _deleted = true;
                break;
            case MailboxChangeKind.Renamed when _prefix is not null:
                _name = _prefix + changed.Mailbox;
                break;
        }
        foreach (var handler in _handlers)
        {
            try
            {
                await handler(changed, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "a mailbox view handler failed for {Mailbox} of {Account}", changed.Mailbox, Owner);
            }
        }
    }

    private async ValueTask OnAccountChangedAsync(AccountChanged changed, CancellationToken cancellationToken)
    {
        if (_disposed || changed.Change is not (AccountChange.RightsChanged or AccountChange.Removed)) return;
        // §10: administrator rights of the principal, or server rights of the owner (the Domain Administrator guard).
        if (changed.Account != Principal.Account && changed.Account != Owner) return;
        await RefreshRightsAsync(cancellationToken);
    }

    /// <summary>
    /// Accounts, administrator rights and groups changed somewhere — possibly by the CLI in another process, which
    /// reaches this process only as a configuration change without a document name — so §10's "revocation takes
    /// effect without reconnecting" holds across processes too.
    /// </summary>
    private async ValueTask OnConfigurationChangedAsync(ConfigurationChanged changed, CancellationToken cancellationToken)
    {
        if (_disposed || changed.Name is not null) return;
        await RefreshRightsAsync(cancellationToken);
    }

    public Task<MailboxStatus> GetStatusAsync(CancellationToken cancellationToken = default) => _store.ViewStatusAsync(this, cancellationToken);

    public ValueTask<uint> ClaimRecentAsync(uint upToUid, bool claim, CancellationToken cancellationToken = default) =>
        _store.ViewClaimRecentAsync(this, upToUid, claim, cancellationToken);

    public Task<IReadOnlyList<MessageSummary>> FetchAsync(UidSet uids, ulong? changedSince = null, CancellationToken cancellationToken = default) =>
        _store.ViewFetchAsync(this, uids, changedSince, cancellationToken);

    public Task<IReadOnlyList<uint>> GetVanishedAsync(ulong sinceModSeq, UidSet? uids = null, CancellationToken cancellationToken = default) =>
        _store.ViewVanishedAsync(this, sinceModSeq, uids, cancellationToken);

    public Task<MessageBody?> OpenMessageAsync(uint uid, CancellationToken cancellationToken = default) => _store.ViewOpenMessageAsync(this, uid, cancellationToken);

    public IAsyncEnumerable<(uint Uid, MessageBody Body)> OpenMessagesAsync(UidSet uids, CancellationToken cancellationToken = default) =>
        _store.ViewOpenMessagesAsync(this, uids, cancellationToken);

    public IAsyncEnumerable<(uint Uid, ReadOnlyMemory<byte> Header)> ReadHeadersAsync(UidSet uids, CancellationToken cancellationToken = default) =>
        _store.ViewReadHeadersAsync(this, uids, cancellationToken);

    public Task<IReadOnlyList<uint>> FindInHeadersAsync(UidSet uids, string text, CancellationToken cancellationToken = default) =>
        _store.ViewFindInHeadersAsync(this, uids, text, cancellationToken);

    public Task<Stream?> OpenRangeAsync(uint uid, long offset, long length, CancellationToken cancellationToken = default) =>
        _store.ViewOpenRangeAsync(this, uid, offset, length, cancellationToken);

    public Task<MessageStructure?> GetStructureAsync(uint uid, CancellationToken cancellationToken = default) => _store.ViewStructureAsync(this, uid, cancellationToken);

    public IAsyncEnumerable<(uint Uid, MessageStructure Structure)> GetStructuresAsync(UidSet uids, CancellationToken cancellationToken = default) =>
        _store.ViewStructuresAsync(this, uids, cancellationToken);

    public Task<IReadOnlyList<uint>> SearchAsync(MessageQuery query, CancellationToken cancellationToken = default) => _store.ViewSearchAsync(this, query, cancellationToken);

    public Task<StoreResult> StoreFlagsAsync(UidSet uids, FlagChange change, ulong? unchangedSince = null, CancellationToken cancellationToken = default) =>
        _store.ViewStoreFlagsAsync(this, uids, change, unchangedSince, cancellationToken);

    public Task<IReadOnlyList<uint>> ExpungeAsync(UidSet? uids = null, CancellationToken cancellationToken = default) =>
        _store.ViewExpungeAsync(this, uids, cancellationToken);

    public Task<CopyResult> CopyAsync(UidSet uids, string target, bool move, CancellationToken cancellationToken = default) =>
        _store.ViewCopyAsync(this, uids, target, move, cancellationToken);

    public IDisposable Subscribe(Func<MailboxChanged, CancellationToken, ValueTask> handler)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ImmutableInterlocked.Update(ref _handlers, list => list.Add(handler));
        return new Unsubscriber(this, handler);
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed) return ValueTask.CompletedTask;
        _disposed = true;
        _mailboxEvents.Dispose();
        _accountEvents.Dispose();
        _configurationEvents.Dispose();
        _handlers = [];
        return ValueTask.CompletedTask;
    }

    private sealed class Unsubscriber(MailboxView view, Func<MailboxChanged, CancellationToken, ValueTask> handler) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref view._handlers, list => list.Remove(handler));
    }
}
