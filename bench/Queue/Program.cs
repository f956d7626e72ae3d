using System.Diagnostics;
using System.Reflection;
using System.Text;
using Kernel.Abstractions;
using Kernel.Bus;
using Kernel.Delivery;
using Kernel.Mailboxes;
using Kernel.Queue;
using Kernel.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Bench.Queue;

/// <summary>
/// bench/Queue (issue 3 §9): in one run, on a fresh data folder with fsync on,
///   1. durable submits/s — 20 concurrent submitters, 5 KB messages, each submit returns after body fsync + commit;
///   2. local deliveries/s — the delivery worker drains that backlog into INBOX through ILocalDelivery;
///   3. end to end — submitters and the worker run together; deliveries/s from first submit to last INBOX append.
/// Usage: queue-bench [--messages N] [--submitters N] [--size BYTES] [--data DIR]
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var messages = IntArg(args, "--messages", 20_000);
        var submitters = IntArg(args, "--submitters", 20);
        var size = IntArg(args, "--size", 5 * 1024);
        // Body writes block a thread in fsync; with 20 submitters on 2 cores the pool would otherwise grow too slowly.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, IntArg(args, "--min-threads", 64)), io);
        var data = StringArg(args, "--data") ?? Path.Combine(Path.GetTempPath(), "kernel-queue-bench-" + Guid.NewGuid().ToString("N"));
        Console.WriteLine($"queue-bench: {messages} messages of {size} bytes, {submitters} submitters, data {data}, {Environment.ProcessorCount} cores");
        try
        {
            var body = MakeBody(size);
            double submitRate, backlogRate, endToEndRate, bodyRate;
            {
                // The ceiling the per-body fsync sets: BodyStore writes alone (file fsync + rename + folder fsync), same concurrency.
                var database = new SqliteDatabase(Path.Combine(data, "0"));
                var bodies = new BodyStore(database);
                var next = -1;
                var watch = Stopwatch.StartNew();
                var cpu = CpuNow();
                await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
                {
                    while (Interlocked.Increment(ref next) < messages) await bodies.WriteAsync(new MemoryStream(body));
                })));
                bodyRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"body writes alone:      {bodyRate,8:0} /s  (fsynced files, no queue rows, {CpuPerMessage(ref cpu, messages)})");
            }
            await using (var run = new Run(Path.Combine(data, "1")))
            {
                var watch = Stopwatch.StartNew();
                var cpu = CpuNow();
                await SubmitAllAsync(run.Queue, messages, submitters, body);
                submitRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"durable submits:        {submitRate,8:0} /s  ({messages} in {watch.Elapsed.TotalSeconds:0.00} s, {CpuPerMessage(ref cpu, messages)})");

                watch.Restart();
                await run.Worker.StartAsync(CancellationToken.None);
                await run.WaitForDeliveriesAsync(messages);
                backlogRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"local deliveries:       {backlogRate,8:0} /s  (backlog of {messages} into INBOX in {watch.Elapsed.TotalSeconds:0.00} s, {CpuPerMessage(ref cpu, messages)})");
            }
            await using (var run = new Run(Path.Combine(data, "2")))
            {
                await run.Worker.StartAsync(CancellationToken.None);
                var watch = Stopwatch.StartNew();
                await SubmitAllAsync(run.Queue, messages, submitters, body);
                var submitted = watch.Elapsed.TotalSeconds;
                await run.WaitForDeliveriesAsync(messages);
                endToEndRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"submit-to-INBOX:        {endToEndRate,8:0} /s  (submits {messages / submitted:0}/s while delivering; last append after {watch.Elapsed.TotalSeconds:0.00} s)");
            }
            Console.WriteLine($"RESULT body-writes/s={bodyRate:0} submits/s={submitRate:0} local-deliveries/s={backlogRate:0} submit-to-inbox/s={endToEndRate:0}");
            return 0;
        }
        finally
        {
            if (StringArg(args, "--data") is null) try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Where the real mailbox store plugs in after merge: return its ILocalDelivery for this database.</summary>
    private static ILocalDelivery CreateLocalDelivery(SqliteDatabase database, BodyStore bodies) => new SqliteStandInDelivery(database);

    private static async Task SubmitAllAsync(SqliteMessageQueue queue, int messages, int submitters, byte[] body)
    {
        var next = -1;
        var source = new RequestSource(System.Net.IPAddress.Loopback, SourceClass.Untrusted, Protocol: "smtp");
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(s => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < messages)
            {
                var envelope = new Envelope("sender@remote.example", [new EnvelopeRecipient($"user{s}@bench.dom")], source);
                var result = await queue.SubmitAsync(envelope, MessageBody.FromBytes(body));
                if (!result.Accepted) throw new InvalidOperationException("submission refused");
            }
        })));
    }

    private static byte[] MakeBody(int size)
    {
        var text = new StringBuilder("From: sender@remote.example\r\nTo: user@bench.dom\r\nSubject: bench\r\nMessage-ID: <bench@remote.example>\r\n\r\n");
        while (text.Length < size - 80) text.Append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>CPU per message since the last call, split user/kernel: on this VM every fsync costs kernel CPU, which is what bounds submits/s.</summary>
    private static string CpuPerMessage(ref (TimeSpan User, TimeSpan Sys) since, int messages)
    {
        var p = Process.GetCurrentProcess();
        var now = (p.UserProcessorTime, p.PrivilegedProcessorTime);
        var text = $"CPU per message: user {(now.UserProcessorTime - since.User).TotalMicroseconds / messages:0} µs, kernel {(now.PrivilegedProcessorTime - since.Sys).TotalMicroseconds / messages:0} µs";
        since = now;
        return text;
    }

    private static (TimeSpan, TimeSpan) CpuNow()
    {
        var p = Process.GetCurrentProcess();
        return (p.UserProcessorTime, p.PrivilegedProcessorTime);
    }

    private static int IntArg(string[] args, string name, int fallback) => StringArg(args, name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class Run : IAsyncDisposable
    {
        private readonly IDisposable _subscription;
        private readonly TaskCompletionSource _allDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _delivered;
        private int _expected = int.MaxValue;

        public Run(string folder)
        {
            var database = new SqliteDatabase(folder);
            database.Migrate();
            var bodies = new BodyStore(database);
            var bus = new InProcessMessageBus(NullLogger<InProcessMessageBus>.Instance);
            var extensions = new BenchExtensions();
            Queue = new SqliteMessageQueue(database, bodies, extensions, bus, TimeProvider.System, NullLogger<SqliteMessageQueue>.Instance);
            Worker = new DeliveryWorker(Queue, extensions, CreateLocalDelivery(database, bodies), DispatchProxy.Create<IAccountStore, ThrowingProxy>(), DispatchProxy.Create<IMessageFactory, ThrowingProxy>(), bus,
                NullLogger<DeliveryWorker>.Instance);
            _subscription = bus.Subscribe<MessageDelivered>((_, _) =>
            {
                if (Interlocked.Increment(ref _delivered) >= Volatile.Read(ref _expected)) _allDelivered.TrySetResult();
                return ValueTask.CompletedTask;
            });
        }

        public SqliteMessageQueue Queue { get; }

        public DeliveryWorker Worker { get; }

        public Task WaitForDeliveriesAsync(int count)
        {
            Volatile.Write(ref _expected, count);
            if (Volatile.Read(ref _delivered) >= count) _allDelivered.TrySetResult();
            return _allDelivered.Task.WaitAsync(TimeSpan.FromMinutes(10));
        }

        public async ValueTask DisposeAsync()
        {
            _subscription.Dispose();
            await Worker.DisposeAsync();
            await Queue.DisposeAsync();
        }
    }
}
