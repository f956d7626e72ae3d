using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>Envelopes and target queues from queue rows, the same for every storage provider.</summary>
internal static class QueueEnvelopes
{
    public static Envelope EnvelopeOf(MessageRow m, IReadOnlyList<EnvelopeRecipient> recipients) =>
        QueueJson.ReadEnvelope(m.Sender, m.EnvelopeId, (DsnReturn)m.Ret, m.Source, recipients);

    public static EnvelopeRecipient RecipientOf(RecipientRow r) => new() { Address = r.Address, OriginalRecipient = r.Orcpt, Notify = (DsnNotify)r.Notify };

    /// <summary>
    /// The target queue a route puts a recipient into (null: not a queue — local, a group, refused, discarded). The
    /// delivery worker files recipients by this, and <see cref="IMessageQueue.FindQueueForDomainAsync"/> answers with it, so both agree.
    /// </summary>
    public static string? TargetQueueOf(RouteResult route) => route is RouteResult.Remote remote ? remote.Queue : null;
}
