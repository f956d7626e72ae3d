using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>
/// A typed mailbox name resolved to its owner and the owner's own name (mailboxes.md §3, §7).
/// <see cref="Display"/> is the name as typed, echoed back unchanged. <see cref="IsAliasName"/>: the typed name is
/// exactly a mailbox alias; <see cref="IsOwnName"/>: typed as an own name and not mapped through an alias.
/// </summary>
internal sealed record MailboxTarget(AccountAddress Owner, string Name, string Display, bool IsOwnName, bool IsAliasName);
