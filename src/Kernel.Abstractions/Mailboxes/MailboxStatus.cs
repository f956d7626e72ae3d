namespace Kernel.Abstractions;

/// <summary>What SELECT and STATUS report, plus the principal's rights (READ-ONLY when it lacks the rights to change anything).</summary>
public sealed record MailboxStatus(
    string Name,
    uint UidValidity,
    uint UidNext,
    ulong HighestModSeq,
    int Messages,
    int Unseen,
    uint? FirstUnseenUid,
    long Size,
    MailboxRights Rights,
    IReadOnlyList<string> Keywords);
