namespace Kernel.Abstractions;

/// <summary>A message bound for one remote target, with just the recipients routed there.</summary>
public sealed record OutboundMessage(
    string QueueId,
    string Queue,
    RouteResult.Remote Target,
    Envelope Envelope,
    IReadOnlyList<EnvelopeRecipient> Recipients,
    MessageBody Body,
    int Attempt);
