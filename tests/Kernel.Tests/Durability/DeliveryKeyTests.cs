using Dapper;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Tests.Mailboxes;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Durability;

/// <summary>
/// Exactly-once local delivery at the store (007_delivery_keys.sql): an append whose <see cref="LocalDeliveryItem.DeliveryKey"/>
/// was already delivered returns the earlier result and stores nothing, whether the repeat comes in a later batch (the
/// pipeline re-running a batch after a crash) or in the same one.
/// </summary>
public sealed class DeliveryKeyTests : IDisposable
{
    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task A_repeated_key_in_a_later_batch_returns_the_earlier_append_and_stores_no_second_copy()
    {
        var body = await _bed.StoreBodyAsync("once");
        var first = await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q1/0/INBOX")]);
        var changes = _bed.Bus.Published.OfType<MailboxChanged>().Count();

        var again = await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q1/0/INBOX")]);

        Assert.Equal(first[0].Appended, again[0].Appended);
        Assert.Null(again[0].Error);
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).Messages);
        Assert.Equal(1, _bed.BodyRefs(body.Id)); // no reference added for the repeat
        Assert.Equal(changes, _bed.Bus.Published.OfType<MailboxChanged>().Count()); // nothing changed, nothing announced
    }

    [Fact]
    public async Task A_key_repeated_within_one_batch_is_stored_once_and_both_items_get_its_result()
    {
        var body = await _bed.StoreBodyAsync("twice in a batch");
        var results = await _bed.Store.DeliverAsync(
        [
            new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q2/0/INBOX"),
            new LocalDeliveryItem(A("bob"), "INBOX", body, DeliveryKey: "Q2/1/INBOX"),
            new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q2/0/INBOX"),
        ]);
        Assert.Equal(results[0].Appended, results[2].Appended);
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).Messages);
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(U("bob"), "INBOX")).Messages);
        Assert.Equal(2, _bed.BodyRefs(body.Id));
    }

    [Fact]
    public async Task Items_without_a_key_or_with_different_keys_are_each_stored()
    {
        var body = await _bed.StoreBodyAsync("distinct");
        var results = await _bed.Store.DeliverAsync(
        [
            new LocalDeliveryItem(A("alice"), "INBOX", body),
            new LocalDeliveryItem(A("alice"), "INBOX", body),
            new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q3/0/INBOX"),
            new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q4/0/INBOX"),
        ]);
        Assert.Equal([1u, 2u, 3u, 4u], results.Select(r => r.Appended!.Uid));
        Assert.Equal(4, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).Messages);
    }

    [Fact]
    public async Task A_failed_append_does_not_use_up_its_key()
    {
        var body = await _bed.StoreBodyAsync("later");
        var failed = await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "Later", body, DeliveryKey: "Q5/0/Later")]);
        Assert.Equal(MailboxError.NonExistent, failed[0].Error);

        await _bed.Store.CreateAsync(U("alice"), "Later");
        var stored = await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "Later", body, DeliveryKey: "Q5/0/Later")]);
        Assert.Equal(1u, stored[0].Appended!.Uid);
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(U("alice"), "Later")).Messages);
    }

    [Fact]
    public async Task The_earlier_result_stands_even_when_the_mailbox_was_emptied_since()
    {
        var body = await _bed.StoreBodyAsync("expunged");
        var first = await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q6/0/INBOX")]);
        await _bed.Store.StoreFlagsAsync(U("alice"), "INBOX", UidSet.All, new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await _bed.Store.ExpungeAsync(U("alice"), "INBOX");

        var again = await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "Q6/0/INBOX")]);
        Assert.Equal(first[0].Appended, again[0].Appended); // delivered once; the user's expunge is not undone
        Assert.Equal(0, (await _bed.Store.GetStatusAsync(U("alice"), "INBOX")).Messages);
    }

    [Fact]
    public async Task Keys_older_than_the_retention_are_pruned_by_a_later_delivery()
    {
        var old = DateTimeOffset.UtcNow - SqliteMailboxStore.DeliveryKeyRetention - TimeSpan.FromHours(1);
        using (var connection = _bed.Database.Open())
        {
            connection.Execute("INSERT INTO delivery_keys (key, mailbox_id, uid_validity, uid, created) VALUES ('old', 1, 1, 1, @created), ('recent', 1, 1, 2, @now)",
                new { created = old.ToUnixTimeMilliseconds(), now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
        var body = await _bed.StoreBodyAsync("prune");
        await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", body, DeliveryKey: "new")]);

        using var check = _bed.Database.Open();
        Assert.Equal(["new", "recent"], check.Query<string>("SELECT key FROM delivery_keys ORDER BY key"));
    }
}
