namespace Kernel.Abstractions;

/// <summary>
/// RFC 4314 §3.7 LISTRIGHTS for one identifier on one mailbox (mailboxes.md §5.5): the rights always granted, then
/// groups of rights that can only be granted together. For the owner everything is required and nothing optional
/// (<c>lrswipkxtecda</c>); for anybody else nothing is required and each stored right is an optional group
/// (<c>"" l r s w i p kc xted a</c>). Format each with <see cref="MailboxRightsText.Format"/>.
/// </summary>
public sealed record MailboxRightsList
{
    /// <summary>The mailbox as the principal typed it, for the response.</summary>
    public required string Mailbox { get; init; }

    /// <summary>The identifier as given.</summary>
    public required string Identifier { get; init; }

    /// <summary>Rights the identifier always has (all of them for the owner, none for anybody else).</summary>
    public MailboxRights Required { get; init; }

    /// <summary>Groups that may be granted, each tied: Create prints as <c>kc</c>, Delete as <c>xted</c>.</summary>
    public IReadOnlyList<MailboxRights> Optional { get; init; } = [];
}
