using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Queue;
using Kernel.Storage;

namespace Kernel.Delivery;

/// <summary>
/// What one routing pass plans for its claimed messages: recipient updates, retry times, mailbox appends and the
/// events to publish once the queue has recorded it all.
/// </summary>
internal sealed class RoutingBatch(long now)
{
    public long Now { get; } = now;
    public List<RecipientUpdate> Updates { get; } = [];
    public Dictionary<string, long?> RetryAt { get; } = new(StringComparer.Ordinal);
    public List<LocalWork> LocalItems { get; } = [];
    public List<PendingRecipient> Pending { get; } = [];
    public List<MessageDelivered> Delivered { get; } = [];

    /// <summary>Drops everything planned for one message (its routing failed part-way).</summary>
    public void Forget(string messageId)
    {
        Updates.RemoveAll(u => u.MessageId == messageId);
        LocalItems.RemoveAll(w => w.Owner?.Row.MessageId == messageId || w.MessageId == messageId);
        Pending.RemoveAll(p => p.Row.MessageId == messageId);
    }

    public LocalWork AddLocal(PendingRecipient? owner, LocalDeliveryItem item, bool fallback, string? messageId = null, string? rule = null)
    {
        var work = new LocalWork(owner, item, fallback, messageId ?? owner?.Row.MessageId, rule);
        LocalItems.Add(work);
        return work;
    }

    /// <summary>A recipient that cannot be routed now: it stays New and its message is tried again at <paramref name="retryAt"/>.</summary>
    public void Postpone(RecipientRow r, string error, long retryAt, long? attempts = null, long? failingSince = null)
    {
        Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.New, Attempts: attempts ?? r.Attempts, NextAttempt: retryAt, LastError: error,
            FailingSince: failingSince));
        var current = RetryAt.GetValueOrDefault(r.MessageId);
        RetryAt[r.MessageId] = current is null ? retryAt : Math.Min(current.Value, retryAt);
    }

    public static RecipientUpdate Failed(RecipientRow r, string status, string text) =>
        new(r.MessageId, r.Idx, RecipientState.Failed, r.Queue, r.Target, r.Attempts, null, text, status, null, DsnPending.Failed);
}

/// <summary>One mailbox append; <see cref="Owner"/> null for a server-wide rule's copy (no recipient row to update).</summary>
/// <param name="Rule">The server-wide rule whose store this is (rules.md §6.1: its failure is logged with the rule name).</param>
internal sealed record LocalWork(PendingRecipient? Owner, LocalDeliveryItem Item, bool Fallback, string? MessageId = null, string? Rule = null);

/// <summary>A local recipient with the appends planned for it and how they went.</summary>
internal sealed class PendingRecipient(RecipientRow row, AccountAddress? account)
{
    public RecipientRow Row { get; } = row;
    public AccountAddress? Account { get; } = account;
    public List<LocalWork> Items { get; } = [];
    public bool NeedsFallback { get; set; }
    public bool Succeeded { get; set; }
    public bool Abandoned { get; set; }
    public (MailboxError? Error, string? Text)? Failure { get; set; }
}

/// <summary>A claimed message with its body, source and (read once, on demand) header.</summary>
internal sealed class MessageWork(QueuedMessage message, StoredBody body, RequestSource source, int maxHeaderBytes)
{
    private HeaderBlock? _header;

    public QueuedMessage Message { get; } = message;
    public StoredBody Body { get; } = body;
    public RequestSource Source { get; } = source;

    public async Task<HeaderBlock> HeaderAsync(CancellationToken cancellationToken) =>
        _header ??= await HeaderBlock.ReadAsync(Body, maxHeaderBytes, cancellationToken);

    public Envelope EnvelopeFor(RecipientRow r) => QueueEnvelopes.EnvelopeOf(Message.Message, [QueueEnvelopes.RecipientOf(r)]);
}
