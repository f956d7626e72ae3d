using Kernel.Abstractions;

namespace Smtp.Protocol;

/// <summary>A parsed <c>RCPT TO:&lt;path&gt; [params]</c> (RFC 5321 §4.1.1.3) with RFC 3461's NOTIFY and ORCPT.</summary>
internal sealed record RcptCommand
{
    /// <summary>The forward-path without brackets, as given (a source route is kept: the Router reads it, smtp.md §3.2).</summary>
    public required string ForwardPath { get; init; }

    public DsnNotify Notify { get; init; }

    /// <summary>ORCPT as <c>addr-type;address</c> with the address xtext decoded.</summary>
    public string? OriginalRecipient { get; init; }
}
