namespace Kernel.Abstractions;

/// <summary>Well-known setting keys the kernel itself reads. Plugins may define their own (prefix them with the plugin name).</summary>
public static class SettingKeys
{
    /// <summary>Server: the Main Domain's name.</summary>
    public const string MainDomain = "MainDomain";

    /// <summary>Template: extra mailboxes created with a new account, separated by ','.</summary>
    public const string TemplateMailboxes = "Template.Mailboxes";

    /// <summary>Template: the initial subscription list, separated by ','.</summary>
    public const string TemplateSubscriptions = "Template.Subscriptions";

    /// <summary>Template: initial mailbox aliases, <c>alias=target</c> pairs separated by ','.</summary>
    public const string TemplateMailboxAliases = "Template.MailboxAliases";

    /// <summary>Domain: "false" switches CRAM-MD5 off for the domain's accounts.</summary>
    public const string CramMd5Enabled = "CramMd5Enabled";

    /// <summary>Account/Domain/Server: storage limit in bytes for mailboxes (absent = unlimited).</summary>
    public const string MailboxQuotaBytes = "MailboxQuotaBytes";

    /// <summary>Account/Domain/Server: storage limit in bytes for the file storage (absent = unlimited).</summary>
    public const string FileQuotaBytes = "FileQuotaBytes";

    /// <summary>Account/Domain/Server: the most files plus folders the file storage may hold (absent = unlimited; http-files.md §8).</summary>
    public const string FileQuotaItems = "FileQuotaItems";

    /// <summary>Account: the real name shown by finger and in From: headers the server writes.</summary>
    public const string RealName = "RealName";
}
