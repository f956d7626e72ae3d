using System.Diagnostics;
using System.Net;
using System.Text;
using Kernel.Abstractions;
using Router;
using Router.Bench;

// bench/Router (issue 4 "Speed"): single-threaded resolutions/s through TableRouter.RouteAsync for exact and
// wildcard keys on a 100-record and a 100,000-record table (half exact, half wildcard), their ratio, and the time
// to parse and compile a 100,000-line table. Not a test: it prints figures and asserts nothing.
var smoke = args.Contains("--smoke");
var seconds = smoke ? 0.3 : 3.0;

Console.WriteLine($"bench/Router  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} cores  .NET {Environment.Version}");
var small = Measure(100);
var large = Measure(100_000);
Console.WriteLine($"exact keys:    100 records {small.Exact,12:N0}/s   100k records {large.Exact,12:N0}/s   ratio 100k/100 {large.Exact / small.Exact:F2}");
Console.WriteLine($"wildcard keys: 100 records {small.Wild,12:N0}/s   100k records {large.Wild,12:N0}/s   ratio 100k/100 {large.Wild / small.Wild:F2}");
Console.WriteLine($"table lookup alone (exact domain key): 100 records {small.Lookup,12:N0}/s   100k records {large.Lookup,12:N0}/s");
Console.WriteLine($"load 100,000 lines: {large.LoadMs:F0} ms (parse + compile)");

(double Exact, double Wild, double Lookup, double LoadMs) Measure(int records)
{
    var text = new StringBuilder();
    for (var i = 0; i < records / 2; i++)
    {
        text.Append("Relay: h").Append(i).Append(".example = h").Append(i).Append(".example@relay.example.25.via\n");
        text.Append("<*@w").Append(i).Append(".example> = *%w").Append(i).Append(".example@relay.example.25.via\n");
    }
    var watch = Stopwatch.StartNew();
    var parse = TableParser.Parse(text.ToString());
    var loadMs = watch.Elapsed.TotalMilliseconds;
    if (!parse.Ok) throw new InvalidOperationException(string.Join("\n", parse.Errors.Take(5)));
    var state = new RouterState();
    state.Swap(new RouterSnapshot(parse.Table!, RelaySettings.Default));
    var router = new TableRouter(state, new BenchDirectory());
    var source = new RequestSource { ClientIp = IPAddress.Parse("203.0.113.9"), Class = SourceClass.Untrusted };
    var step = Math.Max(1, records / 2 / 1000);
    var exact = Enumerable.Range(0, 1000).Select(i => new RouteRequest($"user{i}@h{i * step % (records / 2)}.example", RouteKind.Mail, source)).ToArray();
    var wild = Enumerable.Range(0, 1000).Select(i => new RouteRequest($"user{i}@w{i * step % (records / 2)}.example", RouteKind.Mail, source)).ToArray();
    var check = router.RouteAsync(exact[1]).AsTask().GetAwaiter().GetResult();
    if (check.Result is not RouteResult.Remote { Queue: "relay.example.25" } || !check.Relay.Allowed) throw new InvalidOperationException("unexpected route " + check.Result.Display);
    var keys = Enumerable.Range(0, 1000).Select(i => $"h{i * step % (records / 2)}.example").ToArray();
    return (Rate(router, exact), Rate(router, wild), LookupRate(parse.Table!, keys), loadMs);
}

double Rate(TableRouter router, RouteRequest[] requests)
{
    for (var i = 0; i < 20_000; i++) Consume(router.RouteAsync(requests[i % requests.Length]));
    long done = 0;
    var watch = Stopwatch.StartNew();
    var limit = TimeSpan.FromSeconds(seconds);
    while (watch.Elapsed < limit)
    {
        for (var i = 0; i < requests.Length; i++) Consume(router.RouteAsync(requests[i]));
        done += requests.Length;
    }
    return done / watch.Elapsed.TotalSeconds;
}

double LookupRate(RouterTable table, string[] keys)
{
    long done = 0, hits = 0;
    var watch = Stopwatch.StartNew();
    var limit = TimeSpan.FromSeconds(seconds / 3);
    while (watch.Elapsed < limit)
    {
        foreach (var key in keys) hits += table.ExactDomain(key).Length;
        done += keys.Length;
    }
    if (hits != done) throw new InvalidOperationException("lookup missed");
    return done / watch.Elapsed.TotalSeconds;
}

static void Consume(ValueTask<RouteDecision> pending)
{
    // The bench directory answers synchronously, so the routing completes inline; anything else is a bench bug.
    if (!pending.IsCompletedSuccessfully) throw new InvalidOperationException("routing did not complete synchronously");
    _ = pending.Result;
}
