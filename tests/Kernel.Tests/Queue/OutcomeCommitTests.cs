using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Tests.Queue.Fakes;
using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Queue;

/// <summary>
/// The group commit of delivery outcomes (<see cref="OutcomeCommitter"/>): outcomes that wait together share one
/// transaction, each caller learns of its own only after that commit, and a message deleted meanwhile is reported gone.
/// The end-to-end crash case (killed between the remote 250 and the commit: re-sent) is in Smtp.Tests' ParallelDrainTests.
/// </summary>
public sealed class OutcomeCommitTests
{
    [Fact]
    public async Task Outcomes_waiting_behind_a_locked_database_are_committed_together_and_only_then_reported()
    {
        await using var h = new QueueHarness();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
            ids.Add((await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", $"r{i}@remote.dom"), QueueHarness.Body($"m{i}"))).QueueId!);

        // Another writer holds the database: nothing can be committed until it lets go.
        await using var blocker = new SqliteConnection($"Data Source={h.Database.DatabasePath}");
        await blocker.OpenAsync();
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }
        var before = h.Queue.Outcomes.Commits;
        var recorded = ids.Select(id => h.Queue.Outcomes.RecordAsync(id,
            [new RecipientUpdate(id, 0, RecipientState.Delivered, "remote.dom", null, 1, null, null, "2.0.0", "mx.remote")])).ToList();
        await Task.Delay(200);
        Assert.All(recorded, t => Assert.False(t.IsCompleted)); // not counted before the commit
        using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        Assert.All(await Task.WhenAll(recorded), r => Assert.True(r));
        // The first may have been taken alone before the others arrived; the other nine share one transaction.
        Assert.InRange(h.Queue.Outcomes.Commits - before, 1, 2);
        foreach (var id in ids)
            Assert.Equal(RecipientState.Delivered, Assert.Single((await h.Queue.GetAsync(id))!.Recipients).State);
    }

    [Fact]
    public async Task The_outcome_of_a_message_deleted_meanwhile_reports_it_gone_without_failing_the_others()
    {
        await using var h = new QueueHarness();
        var kept = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "kept@remote.dom"), QueueHarness.Body("kept"))).QueueId!;
        var deleted = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "gone@remote.dom"), QueueHarness.Body("gone"))).QueueId!;
        Assert.True(await h.Queue.DeleteAsync(deleted));

        var results = await Task.WhenAll(
            h.Queue.Outcomes.RecordAsync(deleted, [new RecipientUpdate(deleted, 0, RecipientState.Delivered)]),
            h.Queue.Outcomes.RecordAsync(kept, [new RecipientUpdate(kept, 0, RecipientState.Delivered)]));

        Assert.Equal([false, true], results);
        Assert.Equal(RecipientState.Delivered, Assert.Single((await h.Queue.GetAsync(kept))!.Recipients).State);
    }

    [Fact]
    public async Task A_queue_drained_with_several_deliveries_at_once_commits_fewer_transactions_than_messages()
    {
        await using var h = new QueueHarness(options: new QueueOptions { PollInterval = TimeSpan.FromMilliseconds(50), DeliveriesPerQueue = 8 });
        var transport = new GatedTransport(8);
        h.Extensions.AddTransport(transport);
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
            ids.Add((await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", $"r{i}@remote.dom"), QueueHarness.Body($"m{i}"))).QueueId!);
        var before = h.Queue.Outcomes.Commits;
        await h.StartWorkerAsync();

        await QueueHarness.WaitUntilAsync(() => ids.All(id => h.Queue.GetAsync(id).Result is null), "all delivered");
        Assert.Equal(8, transport.Most); // the eight messages of the queue were in the transport at once
        Assert.InRange(h.Queue.Outcomes.Commits - before, 1, 7);
        await QueueHarness.WaitUntilAsync(() => h.Delivered.Count == 8, "8 MessageDelivered events");
    }

    /// <summary>Answers "delivered" once <c>width</c> messages are in flight together (bounded wait), counting the most at once.</summary>
    private sealed class GatedTransport(int width) : IMailTransport
    {
        private readonly TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _most;

        public string Name => "SMTP";

        public int Most => Volatile.Read(ref _most);

        public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while ((seen = Volatile.Read(ref _most)) < now && Interlocked.CompareExchange(ref _most, now, seen) != seen) { }
            if (now >= width) _full.TrySetResult();
            try { await _full.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken); } catch (TimeoutException) { }
            Interlocked.Decrement(ref _inFlight);
            return message.Recipients.Select(r => new RecipientOutcome(r.Address, DeliveryOutcome.Delivered, "2.0.0", "250 ok", "mx.remote")).ToList();
        }
    }
}
