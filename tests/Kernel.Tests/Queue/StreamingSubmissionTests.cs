using System.Text;
using Dapper;
using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Tests.Queue.Fakes;

namespace Kernel.Tests.Queue;

/// <summary>Issue 7 §2: a body streamed into the queue (begin → write as it arrives → commit or abort).</summary>
public sealed class StreamingSubmissionTests
{
    private static byte[] Message(string subject, int size)
    {
        var text = new StringBuilder($"From: a@test.dom\r\nSubject: {subject}\r\n\r\n");
        for (var i = 0; text.Length < size; i++) text.Append("line ").Append(i).Append(" 0123456789abcdefghijklmnopqrstuvwxyz\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static async Task WriteInChunksAsync(IMessageSubmission submission, byte[] bytes, int chunk)
    {
        for (var offset = 0; offset < bytes.Length; offset += chunk)
            await submission.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
    }

    private static async Task<byte[]> ReadBodyAsync(IMessageQueue queue, string id)
    {
        await using var stream = (await queue.OpenBodyAsync(id))!.OpenRead();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static List<string> TemporaryFiles(QueueHarness h) =>
        Directory.Exists(Path.Combine(h.Folder.Path, "bodies", "tmp")) ? Directory.EnumerateFiles(Path.Combine(h.Folder.Path, "bodies", "tmp")).ToList() : [];

    [Fact]
    public async Task A_body_written_in_chunks_reads_back_byte_identical_after_a_restart()
    {
        using var folder = new Storage.TempDataFolder();
        var bytes = Message("streamed", 300_000);
        string id;
        await using (var h = new QueueHarness(folder))
        {
            await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
            await WriteInChunksAsync(submission, bytes, 7_001); // odd chunks: no alignment helps
            Assert.Equal(bytes.Length, submission.Length);
            var result = await submission.CommitAsync();
            Assert.Equal(SubmitStatus.Accepted, result.Status);
            Assert.Equal("2.0.0", result.Code);
            id = result.QueueId!;
            Assert.Same(result, await submission.CommitAsync()); // a second commit answers the same
            Assert.Empty(TemporaryFiles(h));
        }
        await using var again = new QueueHarness(folder); // durable: a new database on the same folder finds it
        Assert.Equal(bytes, await ReadBodyAsync(again.Queue, id));
        Assert.Equal(bytes.Length, (await again.Queue.GetAsync(id))!.Size);
    }

    [Fact]
    public async Task A_small_streamed_body_is_kept_inside_the_database_and_reads_back_after_a_restart()
    {
        using var folder = new Storage.TempDataFolder();
        var bytes = Message("small", 5_000);
        string id;
        await using (var h = new QueueHarness(folder))
        {
            await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
            await WriteInChunksAsync(submission, bytes, 999);
            var result = await submission.CommitAsync();
            Assert.Equal(SubmitStatus.Accepted, result.Status);
            id = result.QueueId!;
            // Durable by the queue's commit alone: no body file, no temporary file, the bytes in the body's own row.
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Folder.Path, "bodies"), "*", SearchOption.AllDirectories));
            using var c = h.Database.Open();
            Assert.Equal(bytes.Length, c.ExecuteScalar<long>(
                "SELECT length(d.data) FROM queue_messages m JOIN body_data d ON d.id = m.body_id WHERE m.id = @id", new { id }));
        }
        await using var again = new QueueHarness(folder);
        Assert.Equal(bytes, await ReadBodyAsync(again.Queue, id));
        Assert.Null(again.Queue.Store.BodyProblem((await again.Queue.Store.GetAsync(id))!.Message));
    }

    [Fact]
    public async Task Disposing_without_a_commit_aborts_leaving_no_file_and_nothing_queued()
    {
        await using var h = new QueueHarness();
        await using (var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom")))
        {
            await WriteInChunksAsync(submission, Message("aborted", 100_000), 16_384);
            Assert.Single(TemporaryFiles(h)); // it was being written
        }
        AssertNothingStored(h);
    }

    [Fact]
    public async Task A_submission_refuses_writes_after_commit_and_commit_after_abort()
    {
        await using var h = new QueueHarness();
        var committed = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
        await committed.WriteAsync(Message("x", 100));
        Assert.True((await committed.CommitAsync()).Accepted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await committed.WriteAsync(new byte[1]));
        await committed.DisposeAsync();
        Assert.Single(await h.Queue.ListAsync()); // disposing after the commit keeps the message

        var aborted = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
        await aborted.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => aborted.CommitAsync());
    }

    [Fact]
    public async Task An_invalid_envelope_is_refused_before_any_byte_is_written()
    {
        await using var h = new QueueHarness();
        await Assert.ThrowsAsync<ArgumentException>(() => h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "not-an-address")));
        await Assert.ThrowsAsync<ArgumentNullException>(() => h.Queue.BeginSubmitAsync(null!));
        AssertNothingStored(h);
    }

    [Fact]
    public async Task A_server_rule_reject_is_permanent_5_7_1_and_leaves_nothing()
    {
        await using var h = new QueueHarness();
        RuleInput? seen = null;
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Server = (input, _) =>
            {
                seen = input;
                return Task.FromResult(RuleOutcome.Continue with { RejectText = "spam is not welcome" });
            },
        };
        var bytes = Message("buy now", 50_000);
        await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("spam@bad.dom", "bob@test.dom"));
        await WriteInChunksAsync(submission, bytes, 4096);
        var result = await submission.CommitAsync();
        Assert.Equal(SubmitStatus.RejectedPermanently, result.Status);
        Assert.Equal("5.7.1", result.Code);
        Assert.Equal("spam is not welcome", result.Text);
        Assert.Null(result.QueueId);
        // The rules saw the streamed header and size before anything was stored.
        Assert.Contains(seen!.Headers, f => f.Key == "Subject" && f.Value == "buy now");
        Assert.Equal(bytes.Length, seen.Size);
        AssertNothingStored(h);
    }

    [Fact]
    public async Task A_server_rule_header_edit_applies_to_a_streamed_body()
    {
        await using var h = new QueueHarness();
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Server = (_, _) => Task.FromResult(RuleOutcome.Continue with { HeaderEdits = [new("Subject", null), new("Subject", "[ext] big"), new("X-Scanned", "yes")] }),
        };
        var bytes = Message("big", 200_000);
        await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@test.dom"));
        await WriteInChunksAsync(submission, bytes, 65_536);
        var result = await submission.CommitAsync();
        Assert.True(result.Accepted);
        var stored = await ReadBodyAsync(h.Queue, result.QueueId!);
        var original = Encoding.ASCII.GetString(bytes);
        var expected = "Subject: [ext] big\r\nX-Scanned: yes\r\nFrom: a@test.dom\r\n" + original[(original.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2)..];
        Assert.Equal(expected, Encoding.ASCII.GetString(stored));
        Assert.Empty(TemporaryFiles(h)); // the received copy is gone; only the edited one is kept
        using var c = h.Database.Open();
        Assert.Equal(1, c.ExecuteScalar<long>("SELECT COUNT(*) FROM bodies"));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(h.Folder.Path, "bodies"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_permanent_5_3_4_and_its_bytes_are_not_kept()
    {
        // An inline limit of 16 KiB: the first 16 KiB stay in memory, then the body spills to a temporary file.
        await using var h = new QueueHarness(options: new QueueOptions { MaxMessageSize = 100_000 }, inlineLimit: 16 * 1024);
        await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
        await WriteInChunksAsync(submission, Message("huge", 10_000), 10_000);
        Assert.Empty(TemporaryFiles(h));
        await WriteInChunksAsync(submission, Message("huge", 50_000), 10_000);
        Assert.Single(TemporaryFiles(h));
        await WriteInChunksAsync(submission, Message("more", 60_000), 10_000); // the protocol reads on to the end of DATA
        Assert.Empty(TemporaryFiles(h)); // dropped as soon as it grew past the limit
        var result = await submission.CommitAsync();
        Assert.Equal(SubmitStatus.RejectedPermanently, result.Status);
        Assert.Equal("5.3.4", result.Code);
        AssertNothingStored(h);
        // The whole-body path answers the same.
        var whole = await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"), MessageBody.FromBytes(Message("huge", 150_000)));
        Assert.Equal(("5.3.4", SubmitStatus.RejectedPermanently), (whole.Code, whole.Status));
        AssertNothingStored(h);
    }

    [Fact]
    public async Task A_body_folder_that_cannot_be_written_is_a_temporary_4_3_0_and_nothing_is_stored()
    {
        await using var h = new QueueHarness(inlineLimit: 0); // file bodies: a small one inside the database needs no folder
        // Root ignores permissions, so break the folder itself: bodies/tmp becomes a plain file.
        var tmp = Path.Combine(h.Folder.Path, "bodies", "tmp");
        Directory.Delete(tmp);
        await File.WriteAllTextAsync(tmp, "not a folder");
        await using (var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom")))
        {
            await WriteInChunksAsync(submission, Message("lost", 20_000), 4096); // writes do not throw: the commit reports it
            var result = await submission.CommitAsync();
            Assert.Equal(SubmitStatus.RejectedTemporarily, result.Status);
            Assert.Equal("4.3.0", result.Code);
        }
        var whole = await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"), QueueHarness.Body("lost too"));
        Assert.Equal(("4.3.0", SubmitStatus.RejectedTemporarily), (whole.Code, whole.Status));
        using var c = h.Database.Open();
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_messages"));
    }

    [Fact]
    public async Task A_failure_to_put_the_body_in_place_is_temporary_and_removes_the_temporary_file()
    {
        await using var h = new QueueHarness(inlineLimit: 0);
        // Every folder a body can be renamed into (bodies/00 … bodies/ff) is a plain file, so the final rename fails
        // after the whole body was written and fsynced.
        for (var i = 0; i < 256; i++) await File.WriteAllTextAsync(Path.Combine(h.Folder.Path, "bodies", i.ToString("x2")), "x");
        await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
        await WriteInChunksAsync(submission, Message("nowhere", 20_000), 4096);
        var result = await submission.CommitAsync();
        Assert.Equal(SubmitStatus.RejectedTemporarily, result.Status);
        Assert.Equal("4.3.0", result.Code);
        Assert.Empty(TemporaryFiles(h));
        using var c = h.Database.Open();
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_messages"));
    }

    [Fact]
    public void A_full_disk_is_4_3_1_and_other_storage_failures_4_3_0()
    {
        // /dev/full answers every write with ENOSPC: a real disk-full error from the OS, as a body write would see it.
        IOException full;
        try
        {
            using var stream = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
            stream.Write(new byte[4096]);
            stream.Flush();
            throw new InvalidOperationException("/dev/full accepted a write");
        }
        catch (IOException e)
        {
            full = e;
        }
        Assert.Equal("4.3.1", StorageFailure.Result(full).Code);
        Assert.Equal("4.3.1", StorageFailure.Result(new InvalidOperationException("wrapped", full)).Code);
        Assert.Equal("4.3.1", StorageFailure.Result(new Microsoft.Data.Sqlite.SqliteException("database or disk is full", 13)).Code);
        Assert.Equal("4.3.0", StorageFailure.Result(new IOException("input/output error", 5)).Code);
        Assert.Equal("4.3.0", StorageFailure.Result(new DirectoryNotFoundException("gone")).Code);
        Assert.All(new[] { StorageFailure.Result(full), StorageFailure.Result(new IOException("x")) }, r => Assert.Equal(SubmitStatus.RejectedTemporarily, r.Status));
    }

    [Fact]
    public async Task A_queue_that_is_shutting_down_answers_4_3_2()
    {
        var h = new QueueHarness();
        try
        {
            var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
            await submission.WriteAsync(Message("late", 1000));
            await h.Queue.DisposeAsync(); // the group-commit writer stops
            var result = await submission.CommitAsync();
            Assert.Equal(("4.3.2", SubmitStatus.RejectedTemporarily), (result.Code, result.Status));
            await submission.DisposeAsync();
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Folder.Path, "bodies"), "*", SearchOption.AllDirectories));
        }
        finally
        {
            await h.DisposeAsync();
        }
    }

    [Fact]
    public async Task Concurrent_streaming_submissions_share_commits()
    {
        await using var h = new QueueHarness();
        const int submitters = 20, each = 25;
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        var bodies = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>();
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                var bytes = Message($"{s}-{i}", 5_000 + s * 37);
                await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", $"r{s}@remote.dom"));
                await WriteInChunksAsync(submission, bytes, 1_000);
                var result = await submission.CommitAsync();
                Assert.True(result.Accepted, result.Text);
                ids.Add(result.QueueId!);
                bodies[result.QueueId!] = bytes;
            }
        })));
        Assert.Equal(submitters * each, ids.Distinct().Count());
        Assert.True(h.Queue.Commits < submitters * each, $"{h.Queue.Commits} commits for {submitters * each} submissions");
        foreach (var id in ids.Take(20)) Assert.Equal(bodies[id], await ReadBodyAsync(h.Queue, id));
        Assert.Empty(TemporaryFiles(h));
    }

    private static void AssertNothingStored(QueueHarness h)
    {
        using var c = h.Database.Open();
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_messages"));
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM bodies"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Folder.Path, "bodies"), "*", SearchOption.AllDirectories));
    }
}
