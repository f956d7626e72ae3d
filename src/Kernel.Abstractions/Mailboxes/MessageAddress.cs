namespace Kernel.Abstractions;

/// <summary>
/// One address of an ENVELOPE field in RFC 3501 §7.4.2 form. Group syntax is kept as IMAP wants it: a group starts
/// with an entry whose <see cref="Host"/> is null and <see cref="Mailbox"/> is the group name, and ends with an entry
/// whose every member is null. <see cref="Name"/> is decoded (RFC 2047 encoded words turned into text); a caller
/// answering a client without UTF-8 support encodes it again.
/// </summary>
public sealed record MessageAddress
{
    /// <summary>The display name, or null.</summary>
    public string? Name { get; init; }

    /// <summary>The obsolete source route (<c>@a,@b</c>), or null.</summary>
    public string? Route { get; init; }

    /// <summary>The local part, or the group name at a group's start; null at a group's end.</summary>
    public string? Mailbox { get; init; }

    /// <summary>The domain; empty when the address has none; null marks group syntax.</summary>
    public string? Host { get; init; }

    public bool IsGroupStart => Host is null && Mailbox is not null;

    public bool IsGroupEnd => Host is null && Mailbox is null;
}
