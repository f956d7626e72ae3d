using System.Collections.Concurrent;
using Kernel.Abstractions;

namespace Kernel.Tests.Queue.Fakes;

/// <summary>A transport whose answer per recipient a delegate decides (default: delivered); records every call.</summary>
public sealed class FakeMailTransport(string name = "SMTP") : IMailTransport
{
    public string Name => name;

    public Func<OutboundMessage, EnvelopeRecipient, DeliveryOutcome> Decide { get; set; } = (_, _) => DeliveryOutcome.Delivered;

    public ConcurrentQueue<OutboundMessage> Calls { get; } = new();

    public Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        Calls.Enqueue(message);
        IReadOnlyList<RecipientOutcome> outcomes = message.Recipients.Select(r => Decide(message, r) switch
        {
            DeliveryOutcome.Delivered => new RecipientOutcome(r.Address, DeliveryOutcome.Delivered, "2.0.0", "250 ok", "mx.remote"),
            DeliveryOutcome.TemporaryFailure => new RecipientOutcome(r.Address, DeliveryOutcome.TemporaryFailure, "4.2.0", "451 try later", "mx.remote"),
            _ => new RecipientOutcome(r.Address, DeliveryOutcome.PermanentFailure, "5.1.1", "550 no such user", "mx.remote"),
        }).ToList();
        return Task.FromResult(outcomes);
    }
}
