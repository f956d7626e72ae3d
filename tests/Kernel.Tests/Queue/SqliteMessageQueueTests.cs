using Dapper;
using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Storage;
using Kernel.Tests.Queue.Fakes;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Queue;

public sealed class SqliteMessageQueueTests
{
    [Fact]
    public async Task A_returned_submit_is_found_by_a_new_database_on_the_same_folder()
    {
        using var folder = new TempDataFolder();
        string id;
        await using (var first = new QueueHarness(folder))
        {
            var result = await first.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom", "carol@test.dom"), QueueHarness.Body("durable", 5000));
            Assert.True(result.Accepted);
            id = result.QueueId!;
        }
        await using var second = new QueueHarness(folder);
        var entry = await second.Queue.GetAsync(id);
        Assert.NotNull(entry);
        Assert.Equal("a@test.dom", entry.Sender);
        Assert.Equal(["bob@remote.dom", "carol@test.dom"], entry.Recipients.Select(r => r.Address));
        Assert.All(entry.Recipients, r => Assert.Equal(RecipientState.New, r.State));
        Assert.Equal(IPAddressOf(entry), System.Net.IPAddress.Loopback);
        var body = await second.Queue.OpenBodyAsync(id);
        using var reader = new StreamReader(body!.OpenRead());
        Assert.Contains("Subject: durable", await reader.ReadToEndAsync());
    }

    private static System.Net.IPAddress? IPAddressOf(QueueEntry entry) => entry.Source.ClientIp;

    public static TheoryData<string, string[], string> BadEnvelopes => new()
    {
        { "a@test.dom", [], "no recipient" },
        { "a@test.dom", ["no-at-sign"], "not a valid address" },
        { "a@test.dom", ["bob@"], "not a valid address" },
        { "a@test.dom", ["@remote.dom"], "not a valid address" },
        { "a@test.dom", ["<bob@remote.dom>"], "not a valid address" },
        { "a@test.dom", ["bob smith@remote.dom"], "not a valid address" },
        { "not an address", ["bob@remote.dom"], "sender" },
    };

    [Theory]
    [MemberData(nameof(BadEnvelopes))]
    public async Task An_invalid_envelope_is_refused_with_a_clear_message(string sender, string[] recipients, string expected)
    {
        await using var h = new QueueHarness();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => h.Queue.SubmitAsync(QueueHarness.Envelope(sender, recipients), QueueHarness.Body("x")));
        Assert.Contains(expected, error.Message);
        Assert.Empty(await h.Queue.ListAsync());
    }

    [Fact]
    public async Task The_null_reverse_path_is_a_valid_sender()
    {
        await using var h = new QueueHarness();
        Assert.True((await h.Queue.SubmitAsync(QueueHarness.Envelope("", "bob@remote.dom"), QueueHarness.Body("bounce"))).Accepted);
    }

    [Fact]
    public async Task A_server_rule_reject_stores_nothing()
    {
        await using var h = new QueueHarness();
        var rules = new FakeRuleEngine { Server = (input, _) => Task.FromResult(RuleOutcome.Continue with { RejectText = $"no mail from {input.Envelope.Sender}" }) };
        h.Extensions.RuleEngine = rules;
        var result = await h.Queue.SubmitAsync(QueueHarness.Envelope("spam@bad.dom", "bob@test.dom"), QueueHarness.Body("spam"));
        Assert.False(result.Accepted);
        Assert.Equal(SubmitStatus.RejectedPermanently, result.Status);
        Assert.Equal("5.7.1", result.Code);
        Assert.Equal("no mail from spam@bad.dom", result.Text);
        Assert.Equal(1, rules.ServerCalls);
        AssertNothingStored(h);
    }

    [Fact]
    public async Task Server_rules_see_the_header_fields_unfolded()
    {
        await using var h = new QueueHarness();
        IReadOnlyList<KeyValuePair<string, string>>? seen = null;
        h.Extensions.RuleEngine = new FakeRuleEngine { Server = (input, _) => { seen = input.Headers; return Task.FromResult(RuleOutcome.Continue); } };
        var body = MessageBody.FromBytes("From: a@test.dom\r\nSubject: one\r\n two\r\n\r\nbody\r\n"u8.ToArray());
        await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@test.dom"), body);
        Assert.Equal([new("From", "a@test.dom"), new("Subject", "one two")], seen!);
    }

    [Fact]
    public async Task A_server_rule_that_times_out_is_a_temporary_failure_and_stores_nothing()
    {
        await using var h = new QueueHarness();
        // Ignores its token on purpose: the queue's own deadline must still end the wait.
        h.Extensions.RuleEngine = new FakeRuleEngine { Server = async (_, _) => { await Task.Delay(Timeout.Infinite, CancellationToken.None); return RuleOutcome.Continue; } };
        var started = DateTime.UtcNow;
        var result = await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@test.dom"), QueueHarness.Body("slow"));
        Assert.Equal(SubmitStatus.RejectedTemporarily, result.Status);
        Assert.Equal("4.3.0", result.Code);
        Assert.Contains("did not answer", result.Text);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        AssertNothingStored(h);
    }

    [Fact]
    public async Task A_server_rule_that_throws_is_a_temporary_failure_and_stores_nothing()
    {
        await using var h = new QueueHarness();
        h.Extensions.RuleEngine = new FakeRuleEngine { Server = (_, _) => throw new InvalidOperationException("rule bug") };
        var result = await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@test.dom"), QueueHarness.Body("x"));
        Assert.Equal(SubmitStatus.RejectedTemporarily, result.Status);
        Assert.Equal("4.3.0", result.Code);
        Assert.Contains("rules failed", result.Text); // the exception's own text stays in the log, not in a client's reply
        AssertNothingStored(h);
    }

    [Fact]
    public async Task Server_rule_header_edits_are_in_the_stored_body()
    {
        await using var h = new QueueHarness();
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Server = (_, _) => Task.FromResult(RuleOutcome.Continue with { HeaderEdits = [new("Subject", null), new("Subject", "[ext] hello"), new("X-Scanned", "yes")] }),
        };
        var result = await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@test.dom"), QueueHarness.Body("hello"));
        using var reader = new StreamReader((await h.Queue.OpenBodyAsync(result.QueueId!))!.OpenRead());
        var text = await reader.ReadToEndAsync();
        Assert.StartsWith("Subject: [ext] hello\r\nX-Scanned: yes\r\nFrom: a@test.dom\r\n\r\n", text);
        Assert.DoesNotContain("Subject: hello", text);
        Assert.EndsWith("end\r\n", text);
    }

    [Fact]
    public async Task A_server_rule_discard_accepts_and_stores_nothing()
    {
        await using var h = new QueueHarness();
        h.Extensions.RuleEngine = new FakeRuleEngine { Server = (_, _) => Task.FromResult(RuleOutcome.Continue with { DefaultDelivery = false }) };
        var result = await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@test.dom"), QueueHarness.Body("gone"));
        Assert.True(result.Accepted);
        AssertNothingStored(h);
    }

    [Fact]
    public async Task Twenty_concurrent_submitters_are_committed_together()
    {
        await using var h = new QueueHarness();
        const int submitters = 20, each = 50;
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
                ids.Add((await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", $"r{s}@remote.dom"), QueueHarness.Body($"{s}-{i}", 5000))).QueueId!);
        })));
        Assert.Equal(submitters * each, ids.Distinct().Count());
        Assert.Equal(submitters * each, (await h.Queue.ListAsync()).Count);
        // Group commit: fewer transactions than submissions (some commits carried several messages).
        Assert.True(h.Queue.Commits < submitters * each, $"{h.Queue.Commits} commits for {submitters * each} submissions");
        using var c = h.Database.Open();
        Assert.Equal(submitters * each, c.ExecuteScalar<long>("SELECT COUNT(*) FROM bodies WHERE refs = 1"));
    }

    [Fact]
    public async Task Submitters_that_wait_on_one_commit_are_committed_by_the_next_single_transaction()
    {
        await using var h = new QueueHarness();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "warm@remote.dom"), QueueHarness.Body("warm-up"));
        var before = h.Queue.Commits;
        var handed = h.Queue.HandedOver;
        Task[] submits;
        using (var blocker = h.Database.Open())
        using (var tx = blocker.BeginTransaction()) // holds the write lock: the writer's next commit waits
        {
            blocker.Execute("UPDATE queue_messages SET routed = routed", transaction: tx);
            submits = Enumerable.Range(0, 20).Select(i => h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", $"r{i}@remote.dom"), QueueHarness.Body($"{i}"))).ToArray();
            // Every submission is with the writer (in its blocked batch or waiting for the next) before the lock goes.
            await QueueHarness.WaitUntilAsync(() => h.Queue.HandedOver - handed >= 20, "submissions handed to the writer");
            Assert.All(submits, s => Assert.False(s.IsCompleted)); // nobody hears "queued" before the commit
            tx.Commit();
        }
        await Task.WhenAll(submits);
        // The writer took one batch before it blocked; every other submission went into the next transaction.
        Assert.InRange(h.Queue.Commits - before, 1, 2);
        Assert.Equal(21, (await h.Queue.ListAsync()).Count);
    }

    [Fact]
    public async Task Retry_delete_and_list_work_on_ids_and_queues()
    {
        await using var h = new QueueHarness();
        var keep = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"), QueueHarness.Body("keep"))).QueueId!;
        var drop = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "carol@remote.dom"), QueueHarness.Body("drop"))).QueueId!;
        Assert.True(await h.Queue.RetryAsync(keep));
        Assert.False(await h.Queue.RetryAsync("NOSUCHID"));
        var dropBody = (StoredBody)(await h.Queue.OpenBodyAsync(drop))!;
        Assert.True(await h.Queue.DeleteAsync(drop));
        Assert.False(await h.Queue.DeleteAsync(drop));
        Assert.True(dropBody.IsInline);
        Assert.Throws<StoredBodyException>(() => dropBody.OpenRead()); // its last reference took the bytes with it
        Assert.Equal([keep], (await h.Queue.ListAsync()).Select(e => e.Id));
        Assert.Null(await h.Queue.GetAsync(drop));
        Assert.Null(await h.Queue.OpenBodyAsync(drop));
    }

    [Fact]
    public async Task A_queue_lease_is_exclusive_until_it_expires()
    {
        await using var h = new QueueHarness();
        var a = await h.Queue.LeaseQueueAsync("held.dom", "session-a", TimeSpan.FromMinutes(1));
        Assert.NotNull(a);
        Assert.Null(await h.Queue.LeaseQueueAsync("held.dom", "session-b", TimeSpan.FromMinutes(1)));
        Assert.NotNull(await h.Queue.LeaseQueueAsync("other.dom", "session-b", TimeSpan.FromMinutes(1)));
        h.Time.Advance(TimeSpan.FromSeconds(61));
        var b = await h.Queue.LeaseQueueAsync("held.dom", "session-b", TimeSpan.FromMinutes(1));
        Assert.NotNull(b);
        // The old holder finds out at its next call instead of draining beside the new one.
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.NextAsync());
        await b.DisposeAsync();
        await using var c = await h.Queue.LeaseQueueAsync("held.dom", "session-c", TimeSpan.FromMinutes(1));
        Assert.NotNull(c);
    }

    [Fact]
    public async Task Leases_survive_only_in_the_database_so_another_process_sees_them()
    {
        using var folder = new TempDataFolder();
        await using var one = new QueueHarness(folder);
        await using var two = new QueueHarness(folder, time: one.Time);
        await using var lease = await one.Queue.LeaseQueueAsync("held.dom", "one", TimeSpan.FromMinutes(1));
        Assert.NotNull(lease);
        Assert.Null(await two.Queue.LeaseQueueAsync("held.dom", "two", TimeSpan.FromMinutes(1)));
    }

    private static void AssertNothingStored(QueueHarness h)
    {
        using var c = h.Database.Open();
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_messages"));
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_recipients"));
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM bodies"));
        var files = Directory.EnumerateFiles(Path.Combine(h.Folder.Path, "bodies"), "*", SearchOption.AllDirectories).ToList();
        Assert.Empty(files);
    }
}
