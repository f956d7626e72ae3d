using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using Kernel.Abstractions;
using Kernel.Hosting;
using Kernel.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Rules;

// bench/Rules (issue 12 "Speed"). In one run, 3 rounds, each measuring:
//   A. the pipeline: durable submits/s through the kernel's queue as `kernel serve` composes it (KernelServices.Build,
//      fsync on), with the Rules plugin loaded by the plugin host from artifacts/kernel/plugins, with a server-wide set
//      of 10, 100 and 1,000 rules installed and without a set, in alternating blocks of 250 messages on one server — the
//      queue calls the plugin's engine at every submission, so the cost of a set is measured in the queue, not
//      derived; 20 concurrent submitters, 2 KB messages; the cost is 1 − the median over rounds of with/without, and
//      the process's CPU time per message both ways (what a loaded machine distorts least);
//   B. the evaluation alone (RulesEngine.EvaluateServerAsync, the call the queue makes) per message at 0/10/100/1,000
//      rules, in CPU time: the cost per rule per message, which the pipeline's noise hides.
// The rules test and do not fire (every rule is a candidate the engine must rule out); none fires for the message.
// rules.md §8.2 limits a stored set to 200 rules (and 64 KiB): the sets are parsed in chunks of 200 with the plugin's
// own parser and put in the plugin's cache directly (what the cache holds after reading a stored set). Not a test.
var smoke = args.Contains("--smoke");
var rounds = smoke ? 1 : args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(3);
var evalMessages = smoke ? 200 : 2_000;
var submits = smoke ? 300 : 3_000;
ThreadPool.GetMinThreads(out var w, out var io);
ThreadPool.SetMinThreads(Math.Max(w, 64), io);
if (args.Contains("--evaluation-only"))
{
    // For iterating on the evaluator: the evaluation alone, many messages, no pipeline.
    var message = Message();
    foreach (var n in new[] { 0, 10, 100, 1000 })
        Console.WriteLine($"{n,5} rules: {string.Join("  ", Enumerable.Range(0, 3).Select(_ => EvaluateMicrosecondsAsync(n, 20_000, message).GetAwaiter().GetResult().ToString("N2")))} µs per message");
    return 0;
}
var repo = FindRepository();
var pluginsFolder = Path.Combine(repo, "artifacts", "kernel", "plugins");
if (!File.Exists(Path.Combine(pluginsFolder, "Rules", "Rules.dll"))) throw new InvalidOperationException($"build the Rules plugin first: no {pluginsFolder}/Rules/Rules.dll");
Console.WriteLine($"bench/Rules  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} cores  load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}  .NET {Environment.Version}");

var sizes = new[] { 0, 10, 100, 1000 };
var perMessage = sizes.ToDictionary(n => n, _ => new List<double>());
var inQueue = sizes.ToDictionary(n => n, _ => new List<double>());
var ratios = sizes.ToDictionary(n => n, _ => new List<double>());
var cpu = sizes.ToDictionary(n => n, _ => new List<double>());
var cpuRatios = sizes.ToDictionary(n => n, _ => new List<double>());
var input = Message();
for (var round = 0; round < rounds; round++)
{
    foreach (var n in sizes.Skip(1))
    {
        var (with, without) = await PipelineAsync(n, submits, withFirst: (round + n / 10) % 2 == 0);
        inQueue[n].Add(with.Rate);
        inQueue[0].Add(without.Rate);
        ratios[n].Add(with.Rate / without.Rate);
        cpu[n].Add(with.Cpu);
        cpu[0].Add(without.Cpu);
        cpuRatios[n].Add(with.Cpu / without.Cpu);
        Console.WriteLine($"round {round + 1}: {n,4} rules {with.Rate,7:N0}/s {with.Cpu,6:N0} µs CPU/msg  interleaved with no set {without.Rate,7:N0}/s {without.Cpu,6:N0} µs CPU/msg  " +
                          $"ratio {with.Rate / without.Rate:N3}");
    }
    foreach (var n in sizes) perMessage[n].Add(await EvaluateMicrosecondsAsync(n, evalMessages, input));
}

var noSet = Median(inQueue[0]);
Console.WriteLine($"pipeline with the Rules plugin, no set (durable submits/s): median {noSet:N0}/s  spread {inQueue[0].Min():N0}–{inQueue[0].Max():N0}  " +
                  $"{Median(cpu[0]):N0} µs CPU per message  evaluation {Median(perMessage[0]):N2} µs per message");
var zero = Median(perMessage[0]);
foreach (var n in sizes.Skip(1))
{
    var m = Median(perMessage[n]);
    var perRule = (m - zero) / n * 1000;
    Console.WriteLine($"{n,5} rules: in the queue median {Median(inQueue[n]):N0}/s (spread {inQueue[n].Min():N0}–{inQueue[n].Max():N0})  " +
                      $"cost {1 - Median(ratios[n]):P1} of throughput (with/without per round {string.Join(" ", ratios[n].Select(r => r.ToString("N3")))})  " +
                      $"CPU {Median(cpu[n]):N0} µs per message, {Median(cpuRatios[n]) - 1:P1} more than without  |  " +
                      $"evaluation {m:N2} µs CPU per message, {perRule:N1} ns per rule per message");
}
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static string FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Kernel.sln"))) return dir.FullName;
    }
    throw new InvalidOperationException("Kernel.sln not found above " + AppContext.BaseDirectory);
}

// A set of n rules like an administrator's: sender and recipient pictures and header tests, none matching the message.
static string CanonicalSet(int from, int to)
{
    var text = new StringBuilder("(\n");
    for (var i = from; i < to; i++)
    {
        var conditions = (i % 4) switch
        {
            0 => $"((\"Return-Path\", \"in\", \"*@dept{i}.company.dom, boss{i}@company.dom\"))",
            1 => $"((\"Any Recipient\", \"is\", \"*@partner{i}.dom\"))",
            2 => $"((\"Subject\", \"is\", \"*ticket {i}*\"), (\"Message Size\", \"greater than\", \"1M\"))",
            _ => $"((\"Header Field\", \"is\", \"X-Campaign: c{i}\"), (\"From\", \"not in\", \"*@company.dom\"))",
        };
        text.Append($"  ({1 + i % 9}, \"r{i}\", {conditions}, ((\"Store in\", \"~archive/r{i}\"))){(i + 1 < to ? "," : "")}\n");
    }
    return text.Append(')').ToString();
}

// The rules of a set of n, parsed by the given assembly's RuleText (the bench's own Rules or the plugin's copy) in
// chunks of the §8.2 limit, compiled as the cache compiles a stored set.
static object CompileSet(Assembly rules, int n)
{
    var ruleType = rules.GetType("Rules.Rule", throwOnError: true)!;
    var scope = Enum.ToObject(rules.GetType("Rules.RuleScope", throwOnError: true)!, (int)RuleScope.Server);
    var parse = rules.GetType("Rules.RuleText", throwOnError: true)!.GetMethod("Parse")!;
    var all = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(ruleType))!;
    for (var from = 0; from < n; from += 200)
    {
        var result = parse.Invoke(null, [CanonicalSet(from, Math.Min(n, from + 200)), scope])!;
        var set = result.GetType().GetProperty("Set")!.GetValue(result)
                  ?? throw new InvalidOperationException(string.Join("\n", (IEnumerable<string>)result.GetType().GetProperty("Errors")!.GetValue(result)!));
        foreach (var rule in (IEnumerable)set.GetType().GetProperty("Rules")!.GetValue(set)!) all.Add(rule);
    }
    var ruleSet = Activator.CreateInstance(rules.GetType("Rules.RuleSet", throwOnError: true)!, all)!;
    return rules.GetType("Rules.CompiledRule", throwOnError: true)!.GetMethod("CompileSet")!.Invoke(null, [ruleSet, scope])!;
}

// Puts a compiled set in the engine's cache as the server-wide set (RuleSetCache.Preload).
static void Install(IRuleEngine engine, object compiled)
{
    var cache = engine.GetType().GetField("_cache", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(engine)!;
    var preload = cache.GetType().GetMethod("Preload", BindingFlags.Instance | BindingFlags.NonPublic)!;
    preload.Invoke(cache, ["rules.server", compiled]);
}

static async Task<double> EvaluateMicrosecondsAsync(int n, int messages, RuleInput input)
{
    var cache = new RuleSetCache(new MemoryDocuments());
    var engine = new RulesEngine(cache, new NoEnvironment(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    Install(engine, CompileSet(typeof(RulesEngine).Assembly, n));
    for (var i = 0; i < 3_000; i++) await engine.EvaluateServerAsync(input, CancellationToken.None); // warm up (tiered JIT)
    // CPU time of this process, not wall time: the loop is single-threaded and completes synchronously, and on a machine
    // shared with other builds wall time mostly measures the waits for a core.
    using var self = Process.GetCurrentProcess();
    var cpu = self.TotalProcessorTime;
    for (var i = 0; i < messages; i++)
    {
        var outcome = await engine.EvaluateServerAsync(input, CancellationToken.None);
        if (outcome.RejectText is not null || outcome.Stores.Count > 0) throw new InvalidOperationException("a bench rule fired");
    }
    self.Refresh();
    return (self.TotalProcessorTime - cpu).TotalMicroseconds / messages;
}

// One server (fresh data folder, the Rules plugin loaded by the plugin host): blocks of submissions alternate between
// the set of n rules and no set (an empty set in the same cache), 20 submitters per block, each block drained before
// the next. Interleaving in short blocks puts both sides under the same machine load, which drifts by tens of percent
// within a minute when other builds run. Returns durable submits/s and the process's CPU time per message, both ways.
async Task<((double Rate, double Cpu) With, (double Rate, double Cpu) Without)> PipelineAsync(int rules, int count, bool withFirst)
{
    const int block = 250;
    var folder = Path.Combine(Path.GetTempPath(), "rules-bench-" + Guid.NewGuid().ToString("N"));
    Directory.CreateDirectory(folder);
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Kernel:Plugins"] = "Rules" }).Build();
    try
    {
        using var logging = KernelLogging.Create(configuration, forCli: true);
        await using var services = KernelServices.Build(new KernelPaths(Path.Combine(folder, "data"), pluginsFolder), configuration, logging);
        var host = services.GetRequiredService<PluginHost>();
        await host.StartAsync(CancellationToken.None);
        var engine = host.RuleEngine ?? throw new InvalidOperationException("the Rules plugin exports no rule engine");
        var set = CompileSet(engine.GetType().Assembly, rules);
        var none = CompileSet(engine.GetType().Assembly, 0);
        var queue = services.GetRequiredService<IMessageQueue>();
        var body = MessageBody.FromBytes(Encoding.ASCII.GetBytes(Header + "\r\n" + new string('x', 2000) + "\r\n"));
        Install(engine, set);
        for (var i = 0; i < 40; i++) await SubmitAsync(queue, body); // warm up (JIT, the database)
        using var self = Process.GetCurrentProcess();
        var seconds = new double[2];
        var cpuSeconds = new double[2];
        var sent = new int[2];
        for (var k = 0; sent[0] < count || sent[1] < count; k++)
        {
            // A B B A A B B A …: neither side always goes first, and a steady drift weighs on both alike.
            var side = (k % 4 is 0 or 3) == withFirst ? 0 : 1; // 0: with the set, 1: without
            Install(engine, side == 0 ? set : none);
            var next = -1;
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < block) await SubmitAsync(queue, body);
            })));
            seconds[side] += watch.Elapsed.TotalSeconds;
            self.Refresh();
            cpuSeconds[side] += (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            sent[side] += block;
        }
        await host.StopAsync(CancellationToken.None);
        return ((sent[0] / seconds[0], cpuSeconds[0] * 1e6 / sent[0]), (sent[1] / seconds[1], cpuSeconds[1] * 1e6 / sent[1]));
    }
    finally
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}

static async Task SubmitAsync(IMessageQueue queue, MessageBody body)
{
    var envelope = new Envelope
    {
        Sender = "zoe@example.dom",
        Recipients = [new EnvelopeRecipient { Address = "bob@company.dom" }, new EnvelopeRecipient { Address = "carol@company.dom" }],
        Source = RequestSource.InternalSource("bench"),
    };
    var result = await queue.SubmitAsync(envelope, body);
    if (!result.Accepted) throw new InvalidOperationException(result.Text);
}

static RuleInput Message()
{
    var bytes = Encoding.ASCII.GetBytes(Header + "\r\nbody\r\n");
    var fields = Header.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':')], l[(l.IndexOf(':') + 1)..].Trim())).ToList();
    var envelope = new Envelope
    {
        Sender = "zoe@example.dom",
        Recipients = [new EnvelopeRecipient { Address = "bob@company.dom" }, new EnvelopeRecipient { Address = "carol@company.dom" }],
        Source = RequestSource.InternalSource("bench"),
    };
    return new RuleInput(envelope, fields, bytes.Length, MessageBody.FromBytes(bytes));
}

partial class Program
{
    private const string Header = "From: Zoe <zoe@example.dom>\r\nTo: bob@company.dom, carol@company.dom\r\nSubject: quarterly figures\r\nMessage-ID: <b1@example.dom>\r\nX-Campaign: none\r\n";
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
