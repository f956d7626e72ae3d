using Kernel.Abstractions;
using Smtp.Protocol;

namespace Smtp.Server;

/// <summary>smtp.md §4: the reply to RCPT from the Router's decision, and the address the queue stores.</summary>
internal static class RecipientReplies
{
    public static SmtpReply For(RouteDecision decision) => decision.Result switch
    {
        RouteResult.Local or RouteResult.Group or RouteResult.MailingList or RouteResult.Discard or RouteResult.AcceptAndBounce
            => new SmtpReply(250, "2.1.5", "Recipient OK"),
        RouteResult.Remote when decision.Relay.Allowed => new SmtpReply(250, "2.1.5", "Recipient OK"),
        RouteResult.Remote => new SmtpReply(550, "5.7.1", "Relaying prohibited"),
        RouteResult.Reject reject => reject.Reason switch
        {
            RejectReason.UnknownUser => new SmtpReply(550, Code(reject, "5.1.1"), "Unknown user"),
            RejectReason.Blocked => new SmtpReply(550, Code(reject, "5.7.1"), "Address rejected"),
            RejectReason.UnknownDomain => new SmtpReply(550, Code(reject, "5.1.2"), "Unknown domain"),
            RejectReason.BadSyntax => new SmtpReply(501, "5.1.3", "Bad recipient address syntax"),
            RejectReason.Loop => new SmtpReply(554, "5.4.6", "Routing loop"),
            _ => new SmtpReply(451, reject.EnhancedStatus.StartsWith('4') ? reject.EnhancedStatus : "4.3.0", "Temporary failure, try again later"),
        },
        _ => new SmtpReply(451, "4.3.0", "Temporary failure, try again later"),
    };

    /// <summary>
    /// The address for the envelope: the forward-path as given when it is a plain <c>local@domain</c>, so the queue
    /// routes exactly what the client sent; otherwise (a bare <c>postmaster</c>, a quoted local part with spaces) the
    /// Router's own final address, which the queue routes to the same place.
    /// </summary>
    public static string QueueAddress(string forwardPath, RouteResult result)
    {
        if (IsPlainAddress(forwardPath)) return forwardPath;
        return result switch
        {
            RouteResult.Local local => local.Account.ToString(),
            RouteResult.Group group => group.Address.ToString(),
            RouteResult.MailingList list => list.Address.ToString(),
            RouteResult.Remote remote when IsPlainAddress(remote.Recipient) => remote.Recipient,
            _ => forwardPath,
        };
    }

    private static bool IsPlainAddress(string address)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.Length > 254) return false;
        foreach (var c in address)
        {
            if (c <= ' ' || c == 0x7f || c is '<' or '>' || (c > 0x7f && char.IsControl(c))) return false;
        }
        return true;
    }

    // The Router may give a more precise code of the same class (5.1.10 for a null MX); keep it.
    private static string Code(RouteResult.Reject reject, string fallback) => reject.EnhancedStatus.StartsWith('5') ? reject.EnhancedStatus : fallback;
}
