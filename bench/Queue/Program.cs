using System.Diagnostics;
using System.Text;
using Kernel.Abstractions;
using Kernel.Delivery;
using Kernel.Hosting;
using Kernel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Bench.Queue;

/// <summary>
/// bench/Queue (issue 3 §9): in one run, on fresh data folders with fsync on, the kernel composed exactly as
/// <c>kernel serve</c> composes it (<see cref="KernelServices.Build"/>: SQLite account and mailbox stores, the default
/// router, the queue, the delivery worker, the bus), with 20 accounts user0..user19@bench.dom:
///   0. body writes alone — BodyStore only, the ceiling the per-body fsyncs set;
///   1. durable submits/s — 20 concurrent submitters, 5 KB messages, each submit returns after body fsync + commit;
///   2. local deliveries/s — the delivery worker drains that backlog into the INBOXes (route, batched append);
///   3. submit-to-INBOX/s — submitters and worker together, first submit to last INBOX append;
///   4. submit paths (issue 7 §2) — durable submits/s through SubmitAsync versus the streaming path, alternated.
/// Usage: queue-bench [--smoke] [--messages N] [--submitters N] [--size BYTES] [--accounts N] [--data DIR] [--min-threads N]
///                    [--path-messages N] [--rounds N] [--chunk BYTES] [--paths-only]
/// </summary>
public static class Program
{
    private const string Domain = "bench.dom";

    public static async Task<int> Main(string[] args)
    {
        var smoke = args.Contains("--smoke");
        var messages = IntArg(args, "--messages", smoke ? 400 : 20_000);
        var submitters = IntArg(args, "--submitters", 20);
        var accounts = IntArg(args, "--accounts", 20);
        var size = IntArg(args, "--size", 5 * 1024);
        // Body writes block a thread in fsync; with 20 submitters on 2 cores the pool would otherwise grow too slowly.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, IntArg(args, "--min-threads", 64)), io);
        var data = StringArg(args, "--data") ?? Path.Combine(Path.GetTempPath(), "kernel-queue-bench-" + Guid.NewGuid().ToString("N"));
        Console.WriteLine($"queue-bench{(smoke ? " (smoke)" : "")}: {messages} messages of {size} bytes, {submitters} submitters, {accounts} accounts, " +
                          $"data {data}, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        try
        {
            var body = MakeBody(size);
            if (args.Contains("--paths-only"))
            {
                var (w, b, r) = await ComparePathsAsync(data, IntArg(args, "--path-messages", smoke ? 200 : 5_000), submitters, accounts, body,
                    IntArg(args, "--rounds", 3), IntArg(args, "--chunk", 4096));
                Console.WriteLine($"peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
                Console.WriteLine($"RESULT-PATHS submit-whole/s={w:0} submit-streamed/s={b:0} streamed/whole={r:0.00}");
                return 0;
            }
            double submitRate, backlogRate, endToEndRate, bodyRate;
            {
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
            await using (var run = await Run.CreateAsync(Path.Combine(data, "1"), accounts))
            {
                var watch = Stopwatch.StartNew();
                var cpu = CpuNow();
                await SubmitAllAsync(run.Queue, messages, submitters, accounts, body);
                submitRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"durable submits:        {submitRate,8:0} /s  ({messages} in {watch.Elapsed.TotalSeconds:0.00} s, {CpuPerMessage(ref cpu, messages)})");

                watch.Restart();
                await run.StartWorkerAsync();
                await run.WaitForDeliveriesAsync(messages);
                backlogRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"local deliveries:       {backlogRate,8:0} /s  (backlog of {messages} into INBOX in {watch.Elapsed.TotalSeconds:0.00} s, {CpuPerMessage(ref cpu, messages)})");
                await run.VerifyAsync(messages);
            }
            await using (var run = await Run.CreateAsync(Path.Combine(data, "2"), accounts))
            {
                await run.StartWorkerAsync();
                var watch = Stopwatch.StartNew();
                var cpu = CpuNow();
                await SubmitAllAsync(run.Queue, messages, submitters, accounts, body);
                var submitted = watch.Elapsed.TotalSeconds;
                await run.WaitForDeliveriesAsync(messages);
                endToEndRate = messages / watch.Elapsed.TotalSeconds;
                Console.WriteLine($"submit-to-INBOX:        {endToEndRate,8:0} /s  (submits {messages / submitted:0}/s while delivering; last append after {watch.Elapsed.TotalSeconds:0.00} s, {CpuPerMessage(ref cpu, messages)})");
                await run.VerifyAsync(messages);
            }
            var (wholeMedian, streamMedian, ratioMedian) = await ComparePathsAsync(data, IntArg(args, "--path-messages", smoke ? 200 : 5_000), submitters, accounts, body,
                IntArg(args, "--rounds", 3), IntArg(args, "--chunk", 4096));
            Console.WriteLine($"peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
            Console.WriteLine($"RESULT-PATHS submit-whole/s={wholeMedian:0} submit-streamed/s={streamMedian:0} streamed/whole={ratioMedian:0.00}");
            Console.WriteLine($"RESULT body-writes/s={bodyRate:0} submits/s={submitRate:0} local-deliveries/s={backlogRate:0} submit-to-inbox/s={endToEndRate:0}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (StringArg(args, "--data") is null) try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Issue 7 §2: durable submits/s through <see cref="IMessageQueue.SubmitAsync"/> (A, the whole body at once) and
    /// through the streaming path (B: <see cref="IMessageQueue.BeginSubmitAsync"/>, the body written in
    /// <paramref name="chunk"/>-byte pieces as an SMTP DATA reader would, then CommitAsync), alternated A B A B… on a
    /// fresh data folder each, so both see the same machine state. Prints each round, the medians, the spread and the ratio B ÷ A.
    /// </summary>
    private static async Task<(double Whole, double Streamed, double Ratio)> ComparePathsAsync(string data, int messages, int submitters, int accounts, byte[] body,
        int rounds, int chunk)
    {
        Console.WriteLine($"submit paths, alternated A B × {rounds}: {messages} messages each, A = SubmitAsync(whole body), B = BeginSubmitAsync + WriteAsync({chunk}-byte chunks) + CommitAsync");
        // Untimed warm-up of both paths, so round 1's A does not pay the JIT for both.
        await using (var warm = await Run.CreateAsync(Path.Combine(data, "paths-warm-up"), accounts))
        {
            await SubmitAllAsync(warm.Queue, Math.Min(messages, 500), submitters, accounts, body);
            await StreamAllAsync(warm.Queue, Math.Min(messages, 500), submitters, accounts, body, chunk);
        }
        var whole = new List<double>();
        var streamed = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var streaming in new[] { false, true })
            {
                await using var run = await Run.CreateAsync(Path.Combine(data, $"paths-{round}-{(streaming ? "B" : "A")}"), accounts);
                var watch = Stopwatch.StartNew();
                var cpu = CpuNow();
                if (streaming) await StreamAllAsync(run.Queue, messages, submitters, accounts, body, chunk);
                else await SubmitAllAsync(run.Queue, messages, submitters, accounts, body);
                var rate = messages / watch.Elapsed.TotalSeconds;
                (streaming ? streamed : whole).Add(rate);
                Console.WriteLine($"  round {round + 1} {(streaming ? "B streamed" : "A whole   ")}: {rate,8:0} /s  ({CpuPerMessage(ref cpu, messages)}, load {LoadAverage()})");
            }
        }
        var ratios = whole.Zip(streamed, (a, b) => b / a).ToList();
        Console.WriteLine($"  A whole:    median {Median(whole),6:0} /s, spread {whole.Min():0}–{whole.Max():0}");
        Console.WriteLine($"  B streamed: median {Median(streamed),6:0} /s, spread {streamed.Min():0}–{streamed.Max():0}");
        Console.WriteLine($"  B ÷ A per round: median {Median(ratios):0.00}, spread {ratios.Min():0.00}–{ratios.Max():0.00}");
        return (Median(whole), Median(streamed), Median(ratios));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task StreamAllAsync(IMessageQueue queue, int messages, int submitters, int accounts, byte[] body, int chunk)
    {
        var next = -1;
        var source = new RequestSource { ClientIp = System.Net.IPAddress.Loopback, Class = SourceClass.Untrusted, Protocol = "smtp" };
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < messages)
            {
                var envelope = new Envelope { Sender = "sender@remote.example", Recipients = [new EnvelopeRecipient { Address = $"user{n % accounts}@{Domain}" }], Source = source };
                await using var submission = await queue.BeginSubmitAsync(envelope);
                for (var offset = 0; offset < body.Length; offset += chunk)
                    await submission.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)));
                var result = await submission.CommitAsync();
                if (!result.Accepted) throw new InvalidOperationException($"submission refused: {result.Code} {result.Text}");
            }
        })));
    }

    private static async Task SubmitAllAsync(IMessageQueue queue, int messages, int submitters, int accounts, byte[] body)
    {
        var next = -1;
        var source = new RequestSource { ClientIp = System.Net.IPAddress.Loopback, Class = SourceClass.Untrusted, Protocol = "smtp" };
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < messages)
            {
                var envelope = new Envelope { Sender = "sender@remote.example", Recipients = [new EnvelopeRecipient { Address = $"user{n % accounts}@{Domain}" }], Source = source };
                var result = await queue.SubmitAsync(envelope, MessageBody.FromBytes(body));
                if (!result.Accepted) throw new InvalidOperationException($"submission refused: {result.Code} {result.Text}");
            }
        })));
    }

    private static byte[] MakeBody(int size)
    {
        var text = new StringBuilder("From: sender@remote.example\r\nTo: user@bench.dom\r\nSubject: bench\r\nMessage-ID: <bench@remote.example>\r\n\r\n");
        while (text.Length < size - 80) text.Append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>CPU per message since the last call, split user/kernel: on this VM every fsync costs kernel CPU.</summary>
    private static string CpuPerMessage(ref (TimeSpan User, TimeSpan Sys) since, int messages)
    {
        var now = CpuNow();
        var text = $"CPU per message: user {(now.User - since.User).TotalMicroseconds / messages:0} µs, kernel {(now.Sys - since.Sys).TotalMicroseconds / messages:0} µs";
        since = now;
        return text;
    }

    private static (TimeSpan User, TimeSpan Sys) CpuNow()
    {
        var p = Process.GetCurrentProcess();
        return (p.UserProcessorTime, p.PrivilegedProcessorTime);
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    private static int IntArg(string[] args, string name, int fallback) => StringArg(args, name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>One kernel, composed as the server composes it, on its own data folder and an empty plugins folder.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly ILoggerFactory _logging;
        private readonly IDisposable _subscription;
        private readonly TaskCompletionSource _allDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _accounts;
        private int _delivered;
        private int _expected = int.MaxValue;
        private bool _workerStarted;

        private Run(string folder, int accounts)
        {
            _accounts = accounts;
            var configuration = new ConfigurationBuilder().Build();
            _logging = KernelLogging.Create(configuration, forCli: true); // warnings and errors only, to stderr
            var plugins = Path.Combine(folder, "plugins-empty");
            Directory.CreateDirectory(plugins);
            _services = KernelServices.Build(new KernelPaths(Path.Combine(folder, "data"), plugins), configuration, _logging);
            Queue = _services.GetRequiredService<IMessageQueue>();
            _subscription = _services.GetRequiredService<IMessageBus>().Subscribe<MessageDelivered>((_, _) =>
            {
                if (Interlocked.Increment(ref _delivered) >= Volatile.Read(ref _expected)) _allDelivered.TrySetResult();
                return ValueTask.CompletedTask;
            });
        }

        public IMessageQueue Queue { get; }

        public static async Task<Run> CreateAsync(string folder, int accounts)
        {
            var run = new Run(folder, accounts);
            var store = run._services.GetRequiredService<IAccountStore>();
            await store.CreateDomainAsync(Domain);
            for (var i = 0; i < accounts; i++) await store.CreateAccountAsync(new AccountAddress($"user{i}", Domain), null);
            return run;
        }

        public Task StartWorkerAsync()
        {
            _workerStarted = true;
            return _services.GetRequiredService<DeliveryWorker>().StartAsync(CancellationToken.None);
        }

        public Task WaitForDeliveriesAsync(int count)
        {
            Volatile.Write(ref _expected, count);
            if (Volatile.Read(ref _delivered) >= count) _allDelivered.TrySetResult();
            return _allDelivered.Task.WaitAsync(TimeSpan.FromMinutes(10));
        }

        /// <summary>Every message is in an INBOX, read back through the mailbox store.</summary>
        public async Task VerifyAsync(int messages)
        {
            var mailboxes = _services.GetRequiredService<IMailboxStore>();
            var total = 0;
            for (var i = 0; i < _accounts; i++) total += (await mailboxes.GetStatusAsync(Principal.System, $"~user{i}@{Domain}/INBOX")).Messages;
            if (total != messages) throw new InvalidOperationException($"{total} messages in the INBOXes, expected {messages}");
        }

        public async ValueTask DisposeAsync()
        {
            _subscription.Dispose();
            if (_workerStarted)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _services.GetRequiredService<DeliveryWorker>().StopAsync(deadline.Token);
            }
            await _services.DisposeAsync();
            _logging.Dispose();
        }
    }
}
