using System.Collections.Concurrent;
using Kernel.Abstractions;
using Kernel.Storage;
using Kernel.Tests.Integration;
using Xunit.Abstractions;
using static Kernel.Tests.Integration.KernelBed;

namespace Kernel.Tests.Storage;

/// <summary>
/// SQL statements per message on the hot paths (issues 10 and 11), counted by SQLite itself (sqlite3_trace on every
/// connection of the bed's database): an APPEND, the routing of one RCPT, and one message submitted and delivered
/// to a local INBOX. The bounds are today's counts: a change that adds statements to a hot path fails here.
/// </summary>
[Collection(StatementTraceCollection.Name)]
public sealed class StatementCountTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _statements = new();
    private static readonly AsyncLocal<bool> Ignored = new();
    private KernelBed _bed = null!;

    public async Task InitializeAsync()
    {
        _bed = await KernelBed.CreateAsync();
        var path = _bed.Database.DatabasePath;
        SqliteDatabase.StatementTrace = (db, sql) =>
        {
            if (db == path && !Ignored.Value) _statements.Enqueue(sql);
        };
        // The trace is set on a native handle when it is configured: the bed's handles so far (lent ones kept open,
        // pooled ones) have none.
        _bed.Database.CloseIdle();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public async Task DisposeAsync()
    {
        SqliteDatabase.StatementTrace = null;
        await _bed.DisposeAsync();
    }

    private async Task<List<string>> CountAsync(string what, Func<Task> work)
    {
        await work(); // warm-up: first-use reads (settings, caches) are not the steady state
        _statements.Clear();
        await work();
        var statements = _statements.ToList();
        output.WriteLine($"{what}: {statements.Count} statements");
        foreach (var s in statements) output.WriteLine("  " + s.ReplaceLineEndings(" "));
        return statements;
    }

    [Fact]
    public async Task An_APPEND_runs_at_most_its_counted_statements()
    {
        var statements = await CountAsync("APPEND", async () =>
        {
            await using var append = await _bed.Mailboxes.BeginAppendAsync(U("alice"), "INBOX");
            await append.WriteAsync("Subject: counted\r\n\r\nbody\r\n"u8.ToArray());
            await append.CommitAsync();
        });
        Assert.InRange(statements.Count, 1, 14);
    }

    [Fact]
    public async Task Routing_one_RCPT_runs_at_most_its_counted_statements()
    {
        var router = (IAddressRouter)_bed.Services.GetService(typeof(IAddressRouter))!;
        var source = new RequestSource { ClientIp = System.Net.IPAddress.Loopback, Class = SourceClass.Untrusted, Protocol = "smtp" };
        var statements = await CountAsync("RCPT", async () =>
        {
            var decision = await router.RouteAsync(new RouteRequest("bob@company.dom", RouteKind.Mail, source));
            Assert.IsType<RouteResult.Local>(decision.Result);
        });
        Assert.InRange(statements.Count, 1, 10);
    }

    [Fact]
    public async Task A_message_submitted_and_delivered_locally_runs_at_most_its_counted_statements()
    {
        await _bed.StartPipelineAsync();
        string? queueId = null;
        var statements = await CountAsync("submit + local delivery (with the worker's idle scans)", async () =>
        {
            var result = await _bed.Queue.SubmitAsync(Envelope("sender@remote.example", "bob@company.dom"), Message("counted"));
            Assert.True(result.Accepted);
            queueId = result.QueueId;
            await WaitUntilAsync(async () =>
            {
                Ignored.Value = true; // the test's own polling is not the message's work
                return (await _bed.Queue.ListAsync()).Count == 0 && _bed.Delivered.Any(d => d.QueueId == result.QueueId);
            }, "the delivery");
        });
        // The worker's periodic scans (DSNs due, remote queues due, next wake-up) run as often as it wakes, not per
        // message: counted are the statements and transactions that touch this message or its recipient's domain.
        var own = OwnStatements(statements, queueId!, "company.dom");
        output.WriteLine($"of which the message's own: {own}");
        // 31 measured before small bodies moved into the database; the body's bytes (body_data, 015) are one more.
        Assert.InRange(own, 1, 32);
    }

    /// <summary>Statements that name one of <paramref name="markers"/>, a transaction counting whole when any of its statements does.</summary>
    private static int OwnStatements(List<string> statements, params string[] markers)
    {
        var count = 0;
        List<string>? transaction = null;
        foreach (var s in statements)
        {
            var text = s.TrimStart();
            if (text.StartsWith("BEGIN", StringComparison.OrdinalIgnoreCase)) transaction = [s];
            else if (transaction is not null)
            {
                transaction.Add(s);
                if (!text.StartsWith("COMMIT", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("ROLLBACK", StringComparison.OrdinalIgnoreCase)) continue;
                if (transaction.Exists(t => Names(t, markers))) count += transaction.Count;
                transaction = null;
            }
            else if (Names(s, markers)) count++;
        }
        return count;
    }

    private static bool Names(string statement, string[] markers) => markers.Any(m => statement.Contains(m, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The statement trace is process-wide: its tests do not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StatementTraceCollection
{
    public const string Name = "statement trace";
}
