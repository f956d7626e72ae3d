using System.Collections.Concurrent;
using System.Text;
using Kernel.Abstractions;
using Kernel.Bus;
using Kernel.Delivery;
using Kernel.Queue;
using Kernel.Storage;
using Kernel.Testing.Stores;
using Kernel.Tests.Queue.Fakes;
using Kernel.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Queue;

/// <summary>A queue on a temp data folder with fake plugins around it; a second harness on the same folder is a restarted server.</summary>
public sealed class QueueHarness : IAsyncDisposable
{
    private readonly bool _ownsFolder;
    private readonly List<DeliveryWorker> _workers = [];
    private readonly List<IDisposable> _subscriptions = [];
    private readonly SqliteStoreProvider _directoryProvider;

    public QueueHarness(TempDataFolder? folder = null, QueueOptions? options = null, ManualTimeProvider? time = null, long inlineLimit = BodyStore.DefaultInlineLimit)
    {
        _ownsFolder = folder is null;
        Folder = folder ?? new TempDataFolder();
        Database = new SqliteDatabase(Folder.Path);
        Database.Migrate();
        Bodies = new BodyStore(Database, inlineLimit);
        _directoryProvider = new SqliteStoreProvider(Folder.Path);
        Directory = new TestDirectory(_directoryProvider).Domain("test.dom");
        Time = time ?? new ManualTimeProvider();
        Options = options ?? new QueueOptions { PollInterval = TimeSpan.FromMilliseconds(50), RuleTimeout = TimeSpan.FromMilliseconds(500), ServerName = "mx.test.dom" };
        Bus = new InProcessMessageBus(NullLogger<InProcessMessageBus>.Instance);
        Queue = new SqliteMessageQueue(Database, Bodies, Extensions, Bus, Time, NullLogger<SqliteMessageQueue>.Instance, Options);
        _subscriptions.Add(Bus.Subscribe<MessageDelivered>((e, _) => { Delivered.Enqueue(e); return ValueTask.CompletedTask; }));
        _subscriptions.Add(Bus.Subscribe<QueueReleased>((e, _) => { Released.Enqueue(e); return ValueTask.CompletedTask; }));
    }

    public TempDataFolder Folder { get; }
    public SqliteDatabase Database { get; }
    public BodyStore Bodies { get; }
    public ManualTimeProvider Time { get; }
    public QueueOptions Options { get; }
    public InProcessMessageBus Bus { get; }
    public FakeKernelExtensions Extensions { get; } = new();
    public FakeLocalDelivery Local { get; set; } = new();
    /// <summary>The real account store on this harness's database (test.dom is the Main Domain).</summary>
    public TestDirectory Directory { get; }

    public IAccountStore Accounts => Directory.Store;
    public FakeMessageFactory Factory { get; } = new();
    public SqliteMessageQueue Queue { get; }
    public ConcurrentQueue<MessageDelivered> Delivered { get; } = new();
    public ConcurrentQueue<QueueReleased> Released { get; } = new();

    public async Task<DeliveryWorker> StartWorkerAsync()
    {
        var worker = new DeliveryWorker(Queue, Extensions, Local, Accounts, Factory, Bus, NullLogger<DeliveryWorker>.Instance);
        _workers.Add(worker);
        await worker.StartAsync(CancellationToken.None);
        return worker;
    }

    /// <summary>Forgets a worker without stopping it (a crash, as far as the queue can tell).</summary>
    public void Abandon(DeliveryWorker worker) => _workers.Remove(worker);

    public static Envelope Envelope(string sender, params string[] recipients) =>
        new()
        {
            Sender = sender,
            Recipients = recipients.Select(r => new EnvelopeRecipient { Address = r }).ToList(),
            Source = new RequestSource { ClientIp = System.Net.IPAddress.Loopback, Class = SourceClass.Untrusted, Protocol = "smtp" },
        };

    public static MessageBody Body(string subject, int size = 0)
    {
        var text = new StringBuilder($"From: a@test.dom\r\nSubject: {subject}\r\n\r\n");
        while (text.Length < size) text.Append("0123456789012345678901234567890123456789012345678901234567890123456789012345678\r\n");
        text.Append("end\r\n");
        return MessageBody.FromBytes(Encoding.ASCII.GetBytes(text.ToString()));
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers) await w.DisposeAsync();
        foreach (var s in _subscriptions) s.Dispose();
        await Queue.DisposeAsync();
        _directoryProvider.Dispose();
        if (_ownsFolder) Folder.Dispose();
    }
}
