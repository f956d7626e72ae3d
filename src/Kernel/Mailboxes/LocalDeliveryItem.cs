using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

/// <summary>
/// One message for one mailbox of one account; <see cref="Mailbox"/> is an own name of <see cref="Owner"/> (usually INBOX).
/// <see cref="DeliveryKey"/>, when set, makes the append idempotent: the store records it in the append's transaction
/// and answers a repeated key with the earlier result instead of a second copy (the pipeline uses
/// <c>{queueId}/{recipientIndex}/{mailbox}</c>, so a batch re-run after a crash delivers nothing twice).
/// <see cref="Prefix"/>, when set, is header bytes the stored message starts with before <see cref="Body"/> (the
/// Return-Path of final delivery, RFC 5321 §4.4), kept in the message row so the body file stays shared.
/// </summary>
public sealed record LocalDeliveryItem(
    AccountAddress Owner,
    string Mailbox,
    StoredBody Body,
    MessageFlags Flags = MessageFlags.None,
    IReadOnlyList<string>? Keywords = null,
    string? DeliveryKey = null,
    byte[]? Prefix = null);
