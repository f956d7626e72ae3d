namespace Kernel.Abstractions;

public sealed class MailboxException(MailboxError error, string message) : Exception(message)
{
    public MailboxError Error { get; } = error;

    /// <summary>The one text used for "does not exist" and "you may not see it", so the two cannot be told apart.</summary>
    public const string NoSuchMailboxText = "No such mailbox";

    public static MailboxException NonExistent() => new(MailboxError.NonExistent, NoSuchMailboxText);
}
