namespace Kernel.Abstractions;

/// <summary>A mailbox's content changed (append, flags, expunge). IMAP IDLE listens for it.</summary>
public sealed record MailboxChanged(AccountAddress Owner, string Mailbox, ulong HighestModSeq, uint UidNext, int Messages) : KernelEvent;
