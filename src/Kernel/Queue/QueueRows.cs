namespace Kernel.Queue;

/// <summary>A queue_messages row as read by <see cref="SqliteQueueStore"/>.</summary>
internal sealed class MessageRow
{
    public long Seq { get; set; }
    public string Id { get; set; } = "";
    public string Sender { get; set; } = "";
    public string? EnvelopeId { get; set; }
    public long Ret { get; set; }
    public string Source { get; set; } = "";
    public string BodyId { get; set; } = "";
    public long BodySize { get; set; }
    public long Created { get; set; }
    public string? Actions { get; set; }
    public long Routed { get; set; }
}

/// <summary>A queue_recipients row.</summary>
internal sealed class RecipientRow
{
    public string MessageId { get; set; } = "";
    public long Idx { get; set; }
    public string Address { get; set; } = "";
    public string? Orcpt { get; set; }
    public long Notify { get; set; }
    public long State { get; set; }
    public string? Queue { get; set; }
    public string? Target { get; set; }
    public long Attempts { get; set; }
    public long? NextAttempt { get; set; }
    public string? LastError { get; set; }
    public string? Status { get; set; }
    public string? RemoteMta { get; set; }
    public long Dsn { get; set; }
    public long DelaySent { get; set; }

    /// <summary>When the current run of plugin failures began (unix ms), for parking by age; null outside one.</summary>
    public long? FailingSince { get; set; }

    /// <summary>Transport plugin failures in a row (parking by count); reset by any other outcome.</summary>
    public long PluginFailures { get; set; }
}

/// <summary>A message with the recipients a caller asked for.</summary>
internal sealed record QueuedMessage(MessageRow Message, IReadOnlyList<RecipientRow> Recipients);

/// <summary>A message to insert (group commit).</summary>
internal sealed record NewMessage(string Id, string Sender, string? EnvelopeId, int Ret, string Source, Storage.StoredBody Body, long Created,
    string? Actions, IReadOnlyList<Abstractions.EnvelopeRecipient> Recipients, bool Discarded, string? GeneratedKey = null);

/// <summary>A recipient's new state. <see cref="Idx"/> null: a new row (a group member routed remote).</summary>
internal sealed record RecipientUpdate(string MessageId, long? Idx, Abstractions.RecipientState State, string? Queue = null, string? Target = null,
    long Attempts = 0, long? NextAttempt = null, string? LastError = null, string? Status = null, string? RemoteMta = null, DsnPending Dsn = DsnPending.None,
    string? Address = null, string? Orcpt = null, long Notify = 0, bool DelaySent = false, long? FailingSince = null, long PluginFailures = 0);

/// <summary>A DSN still owed for a recipient (queue_recipients.dsn); the worker sends it before the message may go.</summary>
internal enum DsnPending
{
    None = 0,
    Failed = 1,
    Delivered = 2,
    Delayed = 3,
}
