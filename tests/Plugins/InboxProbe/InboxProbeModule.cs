using System.Composition;
using System.Net;
using System.Text;
using Kernel.Abstractions;

namespace InboxProbe;

/// <summary>
/// A plugin that uses only the SDK, as a protocol plugin would: on start it subscribes to <see cref="MessageDelivered"/>
/// on the bus, then submits one message through <see cref="IMessageQueue"/> to <c>InboxProbe:To</c> from
/// <c>InboxProbe:From</c>. It writes into its data folder <c>submitted</c> (the queue id SubmitAsync returned) and
/// <c>delivered</c> (one line per event it was told about: queue id, recipient, account, mailbox, UID).
/// </summary>
[Module("InboxProbe", "1.0.0")]
public sealed class InboxProbeModule : IModule
{
    private readonly IMessageQueue _queue;
    private readonly IMessageBus _bus;
    private readonly Lock _gate = new();
    private IDisposable? _subscription;
    private string? _dataDirectory;

    [ImportingConstructor]
    public InboxProbeModule(IMessageQueue queue, IMessageBus bus)
    {
        _queue = queue;
        _bus = bus;
    }

    public async Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        _dataDirectory = context.DataDirectory;
        var to = context.Settings["To"] ?? throw new InvalidOperationException("InboxProbe:To is not configured");
        var from = context.Settings["From"] ?? "probe@remote.example";
        _subscription = _bus.Subscribe<MessageDelivered>((e, _) =>
        {
            lock (_gate)
                File.AppendAllText(Path.Combine(_dataDirectory, "delivered"), $"{e.QueueId} {e.Recipient} {e.Account} {e.Mailbox} {e.Uid}\n");
            return ValueTask.CompletedTask;
        });
        var message = $"From: <{from}>\r\nTo: <{to}>\r\nSubject: submitted by a plugin\r\nMessage-ID: <{Guid.NewGuid():N}@probe.example>\r\n\r\nhello from {context.Name}\r\n";
        var envelope = new Envelope
        {
            Sender = from,
            Recipients = [new EnvelopeRecipient { Address = to }],
            Source = new RequestSource { ClientIp = IPAddress.Loopback, Class = SourceClass.Untrusted, Protocol = "probe" },
        };
        var result = await _queue.SubmitAsync(envelope, MessageBody.FromBytes(Encoding.ASCII.GetBytes(message)), cancellationToken);
        if (!result.Accepted) throw new InvalidOperationException("the queue refused the probe message");
        File.WriteAllText(Path.Combine(_dataDirectory, "submitted"), result.QueueId);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        return Task.CompletedTask;
    }
}
