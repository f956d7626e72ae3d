using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>The target and attributes of a streamed APPEND, as given to <see cref="SqliteMailboxStore.BeginAppendAsync"/>.</summary>
internal sealed record PendingAppend(Principal Principal, string Mailbox, MessageFlags Flags, IReadOnlyList<string>? Keywords, DateTimeOffset? InternalDate);
