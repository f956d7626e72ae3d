using System.Composition;
using System.Globalization;
using Kernel.Abstractions;

namespace MailboxWatchProbe;

/// <summary>
/// A plugin that uses only the SDK, as IMAP IDLE would: it subscribes to <see cref="MailboxChanged"/> and
/// <see cref="SubscriptionsChanged"/> on the bus and appends one line per event to <c>changes</c> in its data folder:
/// <c>received-unix-ms at-unix-ms kind owner mailbox-id mailbox uidnext messages</c> (for a subscription change:
/// <c>received at Subscriptions account</c>). The two times let a test measure how late the event arrived.
/// </summary>
[Module("MailboxWatchProbe", "1.0.0")]
public sealed class MailboxWatchProbeModule : IModule
{
    private readonly IMessageBus _bus;
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _subscriptions = [];
    private string _file = "";

    [ImportingConstructor]
    public MailboxWatchProbeModule(IMessageBus bus) => _bus = bus;

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(context.DataDirectory);
        _file = Path.Combine(context.DataDirectory, "changes");
        _subscriptions.Add(_bus.Subscribe<MailboxChanged>((e, _) =>
            Write(e.At, $"{e.Kind} {e.Owner} {e.MailboxId} {e.Mailbox} {e.UidNext} {e.Messages}")));
        _subscriptions.Add(_bus.Subscribe<SubscriptionsChanged>((e, _) => Write(e.At, $"Subscriptions {e.Account}")));
        return Task.CompletedTask;
    }

    private ValueTask Write(DateTimeOffset at, string text)
    {
        var received = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        lock (_gate) File.AppendAllText(_file, $"{received} {at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)} {text}\n");
        return ValueTask.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var subscription in _subscriptions) subscription.Dispose();
        _subscriptions.Clear();
        return Task.CompletedTask;
    }
}
