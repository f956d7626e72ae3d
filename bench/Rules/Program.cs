using System.Diagnostics;
using System.Text;
using Kernel.Abstractions;
using Kernel.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Rules;

// bench/Rules (issue 12 "Speed"). In one run, alternated A B A B A B:
//   A. server-wide rule evaluation per message (RulesEngine.EvaluateServerAsync, the call the queue makes at submission)
//      with 0, 10, 100 and 1,000 rules that test and do not fire (the worst case: every rule's first condition runs,
//      and half the rules test two conditions);
//   B. durable submits/s through the kernel's queue as `kernel serve` composes it (KernelServices.Build, fsync on),
//      20 concurrent submitters, 2 KB messages, no rules.
// The cost of a set is its evaluation time per message against the pipeline's time per message (1 / submits/s).
// rules.md §8.2 limits a stored set to 200 rules; the 1,000-rule set is compiled directly, past the limit, to measure
// what the issue asks. Not a test: it prints figures and asserts nothing.
var smoke = args.Contains("--smoke");
var rounds = smoke ? 1 : 3;
var evalMessages = smoke ? 200 : 2_000;
var submits = smoke ? 200 : 3_000;
ThreadPool.GetMinThreads(out var w, out var io);
ThreadPool.SetMinThreads(Math.Max(w, 64), io);
Console.WriteLine($"bench/Rules  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} cores  load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}  .NET {Environment.Version}");

var sizes = new[] { 0, 10, 100, 1000 };
var perMessage = sizes.ToDictionary(n => n, _ => new List<double>());
var pipeline = new List<double>();
var input = Message();
for (var round = 0; round < rounds; round++)
{
    foreach (var n in sizes) perMessage[n].Add(await EvaluateMicrosecondsAsync(n, evalMessages));
    pipeline.Add(await SubmitsPerSecondAsync(submits));
}

var pipeMedian = Median(pipeline);
var pipeMicros = 1e6 / pipeMedian;
Console.WriteLine($"pipeline (durable submits/s, no rules): median {pipeMedian:N0}/s  spread {pipeline.Min():N0}–{pipeline.Max():N0}  ({pipeMicros:N0} µs per message)");
var zero = Median(perMessage[0]);
foreach (var n in sizes)
{
    var m = Median(perMessage[n]);
    var withSet = 1e6 / (pipeMicros + m);
    var perRule = n == 0 ? 0 : (m - zero) / n * 1000;
    Console.WriteLine($"{n,5} rules: {m,9:N1} µs per message (spread {perMessage[n].Min():N1}–{perMessage[n].Max():N1})  {perRule,7:N1} ns per rule per message  " +
                      $"pipeline with the set ≈ {withSet:N0}/s  cost {m / (pipeMicros + m):P1} of throughput");
}
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

// A set of n rules like an administrator's: sender and recipient pictures and header tests, none matching this message.
async Task<double> EvaluateMicrosecondsAsync(int n, int messages)
{
    var rules = new List<Rule>();
    for (var i = 0; i < n; i++)
    {
        IReadOnlyList<Condition> conditions = (i % 4) switch
        {
            0 => [new("Return-Path", "in", $"*@dept{i}.company.dom, boss{i}@company.dom")],
            1 => [new("Any Recipient", "is", $"*@partner{i}.dom")],
            2 => [new("Subject", "is", $"*ticket {i}*"), new("Message Size", "greater than", "1M")],
            _ => [new("Header Field", "is", $"X-Campaign: c{i}"), new("From", "not in", "*@company.dom")],
        };
        rules.Add(new Rule($"r{i}", 1 + i % 9, conditions, [new RuleAction("Store in", $"~archive/r{i}")]));
    }
    var documents = new MemoryDocuments();
    var cache = new RuleSetCache(documents);
    var engine = new RulesEngine(cache, new NoEnvironment(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    cache.Preload(RuleDocuments.Server, CompiledRule.CompileSet(new RuleSet(rules), RuleScope.Server));
    for (var i = 0; i < 200; i++) await engine.EvaluateServerAsync(input, CancellationToken.None); // warm up
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < messages; i++)
    {
        var outcome = await engine.EvaluateServerAsync(input, CancellationToken.None);
        if (outcome.RejectText is not null || outcome.Stores.Count > 0) throw new InvalidOperationException("a bench rule fired");
    }
    return watch.Elapsed.TotalMicroseconds / messages;
}

async Task<double> SubmitsPerSecondAsync(int count)
{
    var folder = Path.Combine(Path.GetTempPath(), "rules-bench-" + Guid.NewGuid().ToString("N"));
    var plugins = Path.Combine(folder, "plugins-empty");
    Directory.CreateDirectory(plugins);
    var configuration = new ConfigurationBuilder().Build();
    using var logging = KernelLogging.Create(configuration, forCli: true);
    await using var services = KernelServices.Build(new KernelPaths(Path.Combine(folder, "data"), plugins), configuration, logging);
    var queue = services.GetRequiredService<IMessageQueue>();
    var body = MessageBody.FromBytes(Encoding.ASCII.GetBytes("From: alice@company.dom\r\nTo: x@far.dom\r\nSubject: bench\r\n\r\n" + new string('x', 2000) + "\r\n"));
    var next = -1;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
    {
        while (Interlocked.Increment(ref next) < count)
        {
            var envelope = new Envelope { Sender = "alice@company.dom", Recipients = [new EnvelopeRecipient { Address = "x@far.dom" }], Source = RequestSource.InternalSource("bench") };
            var result = await queue.SubmitAsync(envelope, body);
            if (!result.Accepted) throw new InvalidOperationException(result.Text);
        }
    })));
    var rate = count / watch.Elapsed.TotalSeconds;
    try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    return rate;
}

RuleInput Message()
{
    var header = "From: Zoe <zoe@example.dom>\r\nTo: bob@company.dom, carol@company.dom\r\nSubject: quarterly figures\r\nMessage-ID: <b1@example.dom>\r\nX-Campaign: none\r\n";
    var bytes = Encoding.ASCII.GetBytes(header + "\r\nbody\r\n");
    var fields = header.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':')], l[(l.IndexOf(':') + 1)..].Trim())).ToList();
    var envelope = new Envelope
    {
        Sender = "zoe@example.dom",
        Recipients = [new EnvelopeRecipient { Address = "bob@company.dom" }, new EnvelopeRecipient { Address = "carol@company.dom" }],
        Source = RequestSource.InternalSource("bench"),
    };
    return new RuleInput(envelope, fields, bytes.Length, MessageBody.FromBytes(bytes));
}

sealed class NoEnvironment : IRuleEnvironment
{
    public Task<DateTimeOffset> NowAsync(AccountAddress? account, CancellationToken cancellationToken) => Task.FromResult(DateTimeOffset.UtcNow);
    public Task<bool> MailboxExistsAsync(AccountAddress account, string mailbox, CancellationToken cancellationToken) => Task.FromResult(false);
    public Task<string?> PreferenceAsync(AccountAddress account, string name, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
    public Task<IReadOnlyList<string>> RememberedAsync(AccountAddress account, string list, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
    public Task RememberAsync(AccountAddress account, string list, string address, CancellationToken cancellationToken) => Task.CompletedTask;
}

sealed class MemoryDocuments : IConfigurationStore
{
    public Task<string?> GetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);
    public Task<long> SetAsync(string name, string text, CancellationToken cancellationToken = default) => Task.FromResult(0L);
    public Task<long> GetChangeSequenceAsync(CancellationToken cancellationToken = default) => Task.FromResult(0L);
}
