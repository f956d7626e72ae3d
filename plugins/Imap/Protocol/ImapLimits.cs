namespace Imap.Protocol;

/// <summary>
/// Every input limit of a session (conventions.md: every external input has a limit). A command line longer than
/// <see cref="MaxLineLength"/>, a literal above <see cref="MaxLiteral"/> (APPEND: <see cref="MaxAppend"/>) or lists
/// nested deeper than <see cref="MaxNesting"/> are answered BAD (or BYE when the bytes cannot be skipped safely).
/// </summary>
internal sealed record ImapLimits
{
    /// <summary>One line of a command, without literals (RFC 7162 §4 recommends accepting at least 8,192 octets).</summary>
    public int MaxLineLength { get; init; } = 16 * 1024;

    /// <summary>A literal inside an ordinary command (a LOGIN password, a SEARCH string).</summary>
    public int MaxLiteral { get; init; } = 64 * 1024;

    /// <summary>All of one command's bytes together, literals included (APPEND data excluded).</summary>
    public int MaxCommandLength { get; init; } = 256 * 1024;

    /// <summary>One APPEND message.</summary>
    public long MaxAppend { get; init; } = 64L * 1024 * 1024;

    /// <summary>Messages in one MULTIAPPEND (RFC 3502), each held in a temporary body file until the command ends.</summary>
    public int MaxMultiAppend { get; init; } = 1000;

    /// <summary>Parenthesized lists inside lists (SEARCH keys, FETCH items).</summary>
    public int MaxNesting { get; init; } = 16;

    /// <summary>Non-synchronizing literals above this are not skipped: the session says BYE (RFC 7888 §4).</summary>
    public long MaxSkippableLiteral { get; init; } = 1024 * 1024;

    public static ImapLimits Default { get; } = new();
}
