using System.Text;
using Kernel.Abstractions;

namespace Smtp.Tests.Delivery;

internal static class TestMessages
{
    public const string Body = "Subject: test\r\n\r\nhello\r\n.starts with a dot\r\n";

    public static OutboundMessage Create(string[] recipients, string body = Body, Envelope? envelope = null, RouteResult.Remote? target = null, string id = "M1")
    {
        var rcpts = recipients.Select(r => new EnvelopeRecipient { Address = r }).ToList();
        envelope ??= new Envelope { Sender = "sender@here.test", Recipients = rcpts, Source = RequestSource.InternalSource("test") };
        envelope = envelope with { Recipients = rcpts };
        target ??= Remote("peer.test");
        return new OutboundMessage(id, target.Queue, target, envelope, rcpts, MessageBody.FromBytes(Encoding.UTF8.GetBytes(body)), 1);
    }

    public static RouteResult.Remote Remote(string host, int? port = null, bool ipLiteral = false, bool held = false) =>
        new("SMTP", port is null ? host : $"{host}.{port}", host, port, ipLiteral, port is not null || ipLiteral, "x@" + host, held);
}
