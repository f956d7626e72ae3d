namespace Kernel.Abstractions;

/// <summary>Builds the messages the server itself sends, so no plugin hand-writes MIME.</summary>
public interface IMessageFactory
{
    /// <summary>An RFC 3464 delivery status notification (multipart/report) to the original sender, from the postmaster, with a null reverse-path.</summary>
    GeneratedMessage BuildDeliveryStatusNotification(DsnRequest request);

    /// <summary>An auto-reply with RFC 3834 headers (<c>Auto-Submitted: auto-replied</c>, <c>In-Reply-To</c>).</summary>
    GeneratedMessage BuildReply(ReplyRequest request, IReadOnlyList<KeyValuePair<string, string>> originalHeaders);
}
