namespace Kernel.Abstractions;

public enum GroupKind
{
    /// <summary>A Group: mail to it goes to every member; members also match <c>#group</c> in ACLs.</summary>
    Group,

    /// <summary>A mailing list: mail to it is expanded to its subscribers by the pipeline.</summary>
    MailingList,
}
