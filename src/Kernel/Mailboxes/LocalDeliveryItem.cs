using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

/// <summary>One message for one mailbox of one account; <see cref="Mailbox"/> is an own name of <see cref="Owner"/> (usually INBOX).</summary>
public sealed record LocalDeliveryItem(AccountAddress Owner, string Mailbox, StoredBody Body, MessageFlags Flags = MessageFlags.None, IReadOnlyList<string>? Keywords = null);
