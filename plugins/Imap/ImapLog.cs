using Microsoft.Extensions.Logging;

namespace Imap;

/// <summary>Log lines with structured fields.</summary>
internal static partial class ImapLog
{
    /// <summary>mailboxes.md §5.6: access to another account's mailbox is logged at a high level.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "mailbox access by {Admin} to {Account} mailbox {Mailbox}")]
    public static partial void LogMailboxAccess(this ILogger logger, string admin, string account, string mailbox);
}
