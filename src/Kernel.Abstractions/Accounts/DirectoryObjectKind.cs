namespace Kernel.Abstractions;

public enum DirectoryObjectKind
{
    Account,
    Alias,
    Forwarder,
    Group,
    MailingList,
}
