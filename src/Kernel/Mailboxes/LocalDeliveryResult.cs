using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>Either the UID the message got, or why it could not be stored (<see cref="Error"/> non-null).</summary>
public sealed record LocalDeliveryResult(AppendResult? Appended, MailboxError? Error, string? ErrorText);
