namespace Kernel.Abstractions;

/// <summary>
/// The part of an IMAP SEARCH the store evaluates itself (<see cref="IMailboxView.SearchAsync"/>): every condition
/// given must hold (AND); null or empty means "no condition". Header and text search stay with the caller, which
/// runs them over <see cref="MessageStructure"/> and byte ranges of the candidates this returns.
/// Non-positional so it can grow.
/// </summary>
public sealed record MessageQuery
{
    /// <summary>Only these UIDs (a sequence set already resolved to UIDs).</summary>
    public UidSet? Uids { get; init; }

    /// <summary>Every one of these flags is set (SEEN, ANSWERED, FLAGGED, DELETED, DRAFT).</summary>
    public MessageFlags FlagsSet { get; init; }

    /// <summary>None of these flags is set (UNSEEN, UNANSWERED…).</summary>
    public MessageFlags FlagsNotSet { get; init; }

    /// <summary>Every one of these keywords is set (KEYWORD, case-insensitive).</summary>
    public IReadOnlyList<string>? Keywords { get; init; }

    /// <summary>None of these keywords is set (UNKEYWORD).</summary>
    public IReadOnlyList<string>? NotKeywords { get; init; }

    /// <summary>Internal date at or after this instant (SINCE/ON: the caller turns the date into an instant in its time zone).</summary>
    public DateTimeOffset? InternalDateSince { get; init; }

    /// <summary>Internal date before this instant (BEFORE/ON).</summary>
    public DateTimeOffset? InternalDateBefore { get; init; }

    /// <summary>Size in bytes greater than this (LARGER).</summary>
    public long? LargerThan { get; init; }

    /// <summary>Size in bytes less than this (SMALLER).</summary>
    public long? SmallerThan { get; init; }

    /// <summary>RFC 7162 MODSEQ: modseq at least this.</summary>
    public ulong? ModSeqAtLeast { get; init; }
}
