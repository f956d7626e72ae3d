using System.Collections.Concurrent;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Delivery;
using Kernel.Mailboxes;
using Kernel.Queue;
using Kernel.Routing;
using Kernel.Storage;
using Kernel.Tests.Mailboxes;
using Kernel.Tests.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Durability;

/// <summary>
/// The pipeline's half of exactly-once: the mailbox append commits, then the pipeline fails before the queue records
/// the recipient as delivered (what a crash between the two transactions leaves). When the message is routed again,
/// the same delivery keys reach the real mailbox store and the INBOX still holds one copy.
/// </summary>
public sealed class ExactlyOncePipelineTests
{
    private static readonly AccountAddress Alice = new("alice", "test.dom");
    private static readonly AccountAddress Bob = new("bob", "test.dom");

    [Fact]
    public async Task A_batch_repeated_after_its_appends_committed_delivers_nothing_twice()
    {
        await using var h = new QueueHarness();
        // The real directory on the queue's database; the mailboxes are made by the lifecycle call, as the account store does.
        var store = new SqliteMailboxStore(h.Database, h.Bodies, h.Accounts, new DefaultAddressRouter(h.Accounts), new RecordingBus(), new RecordingLogger<SqliteMailboxStore>());
        foreach (var account in new[] { Alice, Bob })
        {
            h.Directory.Account(account.ToString());
            using var connection = h.Database.Open();
            using var transaction = connection.BeginTransaction();
            await store.OnCreatingAsync(new SqliteStoreTransaction(connection, transaction), account, AccountTemplateLists.Empty, CancellationToken.None);
            transaction.Commit();
        }
        var local = new CommitThenFail(store);
        await using var worker = new DeliveryWorker(h.Queue, h.Extensions, local, h.Accounts, h.Factory, h.Bus, NullLogger<DeliveryWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);

        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom", "bob@test.dom"), QueueHarness.Body("exactly once"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => local.Calls == 1, "first delivery (committed, then failed)");
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result?.Recipients.All(r => r.LastError is not null) == true, "recipients postponed");
        h.Time.Advance(h.Options.RoutingRetry + TimeSpan.FromSeconds(1));
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "delivered on the second try and removed");

        Assert.Equal(2, local.Calls);
        foreach (var account in new[] { Alice, Bob })
            Assert.Equal(1, (await store.GetStatusAsync(Principal.User(account), "INBOX")).Messages);
        Assert.Equal(local.Keys[0], local.Keys[1]); // the same keys both times
        Assert.Equal([$"{id}/0/INBOX", $"{id}/1/INBOX"], local.Keys[0].Order(StringComparer.Ordinal));
        // The bus hands events to subscribers on the thread pool: wait for both, then check them.
        await QueueHarness.WaitUntilAsync(() => h.Delivered.Count(d => d.QueueId == id) == 2, "MessageDelivered for both recipients");
        Assert.All(h.Delivered, d => Assert.Equal(1u, d.Uid)); // the repeat reports the first append's UID
    }

    /// <summary>Appends through the real store; the first call then throws as if the process died before the queue update.</summary>
    private sealed class CommitThenFail(SqliteMailboxStore store) : ILocalDelivery
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ConcurrentDictionary<int, string?[]> Keys { get; } = new();

        public async Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            Keys[call] = items.Select(i => i.DeliveryKey).ToArray();
            var results = await store.DeliverAsync(items, cancellationToken);
            if (call == 0) throw new IOException("simulated crash after the mailbox append committed");
            return results;
        }
    }
}
