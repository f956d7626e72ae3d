using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>One row of table <c>mailbox_changes</c> (Storage/Migrations/008_mailbox_changes.sql): a change as another process reads it.</summary>
internal sealed class MailboxChangeRow
{
    /// <summary>The <see cref="Kind"/> of a subscription-list change (not a <see cref="MailboxChangeKind"/>).</summary>
    public const string SubscriptionsKind = "Subscriptions";

    public long Seq { get; set; }
    public string Origin { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Account { get; set; } = "";
    public long? MailboxId { get; set; }
    public string? Name { get; set; }
    public string? OldName { get; set; }
    public long HighestModseq { get; set; }
    public long UidNext { get; set; }
    public long Messages { get; set; }
    public long Created { get; set; }

    public static MailboxChangeRow From(KernelEvent @event, string origin, long now) => @event switch
    {
        MailboxChanged m => new MailboxChangeRow
        {
            Origin = origin, Kind = m.Kind.ToString(), Account = m.Owner.ToString(), MailboxId = m.MailboxId, Name = m.Mailbox, OldName = m.OldName,
            HighestModseq = (long)m.HighestModSeq, UidNext = m.UidNext, Messages = m.Messages, Created = now,
        },
        SubscriptionsChanged s => new MailboxChangeRow { Origin = origin, Kind = SubscriptionsKind, Account = s.Account.ToString(), Created = now },
        _ => throw new ArgumentException($"not a mailbox change: {@event.GetType().Name}", nameof(@event)),
    };

    /// <summary>The event this row records; null for a row this build cannot read (a kind added later, a bad account).</summary>
    public KernelEvent? ToEvent()
    {
        if (!AccountAddress.TryParse(Account, null, out var account)) return null;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(Created);
        if (Kind == SubscriptionsKind) return new SubscriptionsChanged { Account = account!, At = at };
        if (!Enum.TryParse<MailboxChangeKind>(Kind, out var kind) || MailboxId is null || Name is null) return null;
        return new MailboxChanged
        {
            MailboxId = MailboxId.Value, Owner = account!, Mailbox = Name, Kind = kind, OldName = OldName,
            HighestModSeq = (ulong)HighestModseq, UidNext = (uint)UidNext, Messages = (int)Messages, At = at,
        };
    }
}
