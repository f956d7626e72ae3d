namespace Kernel.Abstractions;

/// <summary>Where an address goes (router.md §1). <see cref="Display"/> is the Guide's form: <c>LOCAL(alice@domain.dom)</c>.</summary>
public abstract record RouteResult
{
    public abstract string Display { get; }

    /// <summary>An account (an alias is already resolved to its account). <see cref="Mailbox"/>: a direct-mailbox form, if any.</summary>
    public sealed record Local(AccountAddress Account, string? Mailbox = null) : RouteResult
    {
        public override string Display => $"LOCAL({Account})";
    }

    /// <summary>A Group: the kernel delivers to every member.</summary>
    public sealed record Group(AccountAddress Address) : RouteResult
    {
        public override string Display => $"GROUP({Address})";
    }

    /// <summary>A mailing list: the kernel expands it to its subscribers.</summary>
    public sealed record MailingList(AccountAddress Address) : RouteResult
    {
        public override string Display => $"LIST({Address})";
    }

    /// <summary>
    /// Another host. <see cref="Transport"/> names the <see cref="IMailTransport"/>/<see cref="ISignalTransport"/> ("SMTP", "SIP");
    /// <see cref="Queue"/> the per-target queue; <see cref="Port"/> set means "A records only, no MX/SRV";
    /// <see cref="Held"/>: the queue is held until an ETRN/ATRN releases it.
    /// </summary>
    public sealed record Remote(
        string Transport,
        string Queue,
        string Host,
        int? Port,
        bool IsIpLiteral,
        bool SkipMxSrv,
        string Recipient,
        bool Held = false) : RouteResult
    {
        public override string Display => $"{Transport}({Queue}){Recipient}";
    }

    /// <summary>Accepted and dropped silently (router <c>null</c>, Mail to Unknown = Discarded).</summary>
    public sealed record Discard : RouteResult
    {
        public override string Display => "DISCARD";
    }

    /// <summary>Accepted, then a DSN with <see cref="Status"/> goes to the sender (Mail to Unknown = Accepted and Bounced).</summary>
    public sealed record AcceptAndBounce(string Status) : RouteResult
    {
        public override string Display => $"BOUNCE({Status})";
    }

    /// <summary>Refused. <see cref="EnhancedStatus"/> is RFC 3463's code (<c>5.1.1</c>).</summary>
    public sealed record Reject(RejectReason Reason, string EnhancedStatus, string Text) : RouteResult
    {
        public override string Display => $"REJECT({Reason} {EnhancedStatus} {Text})";
    }
}
