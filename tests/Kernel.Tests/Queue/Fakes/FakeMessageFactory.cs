using System.Collections.Concurrent;
using System.Text;
using Kernel.Abstractions;

namespace Kernel.Tests.Queue.Fakes;

/// <summary>Records DSN requests and builds a small text message naming each recipient's action and status.</summary>
public sealed class FakeMessageFactory : IMessageFactory
{
    public ConcurrentQueue<DsnRequest> Dsns { get; } = new();

    public GeneratedMessage BuildDeliveryStatusNotification(DsnRequest request)
    {
        Dsns.Enqueue(request);
        var text = new StringBuilder("Subject: delivery status\r\nAuto-Submitted: auto-replied\r\n\r\n");
        foreach (var r in request.Recipients) text.Append($"{r.Recipient} {r.Action} {r.Status} {r.DiagnosticCode}\r\n");
        return new GeneratedMessage("", [request.Original.Sender], MessageBody.FromBytes(Encoding.ASCII.GetBytes(text.ToString())));
    }

    public GeneratedMessage BuildReply(ReplyRequest request, IReadOnlyList<KeyValuePair<string, string>> originalHeaders) =>
        new("", [request.To], MessageBody.FromBytes(Encoding.ASCII.GetBytes($"Subject: Re\r\nAuto-Submitted: auto-replied\r\n\r\n{request.Text}\r\n")));
}
