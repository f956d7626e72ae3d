namespace Kernel.Abstractions;

public sealed record MessageSummary(
    uint Uid,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    long Size,
    ulong ModSeq);
