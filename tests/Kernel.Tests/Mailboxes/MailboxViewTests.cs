using System.Collections.Concurrent;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Microsoft.Extensions.Logging.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Issue 7 §3 mailbox view: one handle per session with a stable id, owner, UIDVALIDITY, rights and the name as
/// typed; rights recomputed on change events, not per call; every change published by mailbox id, also from another
/// store instance (another process) through the change log; QRESYNC's vanished set from expunge tombstones.
/// </summary>
public sealed class MailboxViewTests : IDisposable
{
    private static readonly Principal Alice = U("alice");
    private static readonly Principal Bob = U("bob");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    /// <summary>Bob shares his INBOX with Alice, who also has an alias for it.</summary>
    private async Task ShareBobsInboxAsync(string rights = "lrswixted")
    {
        await _bed.Store.SetAclAsync(Bob, "INBOX", "alice", rights);
        await _bed.Store.SetMailboxAliasAsync(Alice, A("alice"), "bobin", "~bob/INBOX");
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Own_foreign_and_alias_names_open_the_same_mailbox_with_the_name_as_typed()
    {
        await ShareBobsInboxAsync();
        await using var own = await _bed.Store.OpenAsync(Bob, "inbox");
        await using var foreign = await _bed.Store.OpenAsync(Alice, "~bob/INBOX");
        await using var qualified = await _bed.Store.OpenAsync(Alice, "~bob@company.dom/INBOX");
        await using var alias = await _bed.Store.OpenAsync(Alice, "bobin");

        Assert.Equal([own.MailboxId], new[] { foreign.MailboxId, qualified.MailboxId, alias.MailboxId }.Distinct());
        Assert.Equal(("inbox", "~bob/INBOX", "~bob@company.dom/INBOX", "bobin"), (own.Name, foreign.Name, qualified.Name, alias.Name));
        Assert.All(new[] { own, foreign, alias }, v => Assert.Equal(A("bob"), v.Owner));
        Assert.Equal(own.UidValidity, alias.UidValidity);
        Assert.Equal(("lrswipkxtecda", "lrswixted"), (MailboxRightsText.Format(own.Rights), MailboxRightsText.Format(alias.Rights)));
        Assert.Equal("bobin", (await alias.GetStatusAsync()).Name);
    }

    [Fact]
    public async Task Opening_needs_r_and_an_invisible_mailbox_looks_absent()
    {
        await _bed.Store.SetAclAsync(Bob, "INBOX", "alice", "l");
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.OpenAsync(Alice, "~bob/INBOX")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.OpenAsync(Alice, "~carol/INBOX")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.OpenAsync(Alice, "~nobody/INBOX")));
        await _bed.Store.CreateAsync(Alice, "folder/");
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.OpenAsync(Alice, "folder")));
    }

    [Fact]
    public async Task Rights_are_recomputed_when_an_acl_change_event_arrives_not_per_call()
    {
        await ShareBobsInboxAsync("lrs");
        await using var view = await _bed.Store.OpenAsync(Alice, "bobin");
        Assert.Equal("lrs", MailboxRightsText.Format(view.Rights));
        var lookups = _bed.RouterLookups;
        for (var i = 0; i < 5; i++) await view.FetchAsync(UidSet.All);
        Assert.Equal(lookups, _bed.RouterLookups); // no name resolution per call

        await _bed.Store.SetAclAsync(Bob, "INBOX", "alice", "+w");
        await EventuallyAsync(() => view.Rights.HasFlag(MailboxRights.Write), "the view's rights to gain w");
        Assert.Equal("lrsw", MailboxRightsText.Format(view.Rights));

        await _bed.Store.DeleteAclAsync(Bob, "INBOX", "alice");
        await EventuallyAsync(() => view.Rights == MailboxRights.None, "the view's rights to go");
        // §5.3: no data once r is gone, whichever call asks.
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => view.FetchAsync(UidSet.All)));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => view.OpenRangeAsync(1, 0, 10)));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => view.GetStructureAsync(1)));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => view.SearchAsync(new MessageQuery())));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => view.GetVanishedAsync(0)));
    }

    [Fact]
    public async Task Administrator_rights_granted_or_revoked_elsewhere_reach_an_open_view()
    {
        await ShareBobsInboxAsync("lr");
        await using var view = await _bed.Store.OpenAsync(Alice, "~bob/INBOX");
        _bed.Directory.Admin(A("alice"), new AdminRights(ServerRights.AllUsers, DomainAdminRights.None));
        // Same process: the account store announces it as AccountChanged(RightsChanged).
        _bed.Bus.Publish(new AccountChanged(A("alice"), AccountChange.RightsChanged));
        await EventuallyAsync(() => view.Rights == MailboxRights.All, "the administrator rights");
        // Another process (the CLI): it reaches this one as a nameless configuration change.
        _bed.Directory.Admin(A("alice"), AdminRights.None);
        _bed.Bus.Publish(new ConfigurationChanged(null, 42));
        await EventuallyAsync(() => view.Rights == (MailboxRights.Lookup | MailboxRights.Read), "the revocation");
    }

    [Fact]
    public async Task A_view_on_a_foreign_inbox_sees_a_delivery_a_flag_change_and_an_expunge_by_another_view()
    {
        await ShareBobsInboxAsync();
        await using var session = await _bed.Store.OpenAsync(Alice, "~bob/INBOX");
        var seen = new ConcurrentQueue<MailboxChanged>();
        using var idle = session.Subscribe((e, _) => { seen.Enqueue(e); return ValueTask.CompletedTask; });

        var body = await _bed.StoreBodyAsync("delivered");
        Assert.Null(Assert.Single(await _bed.Store.DeliverAsync([new LocalDeliveryItem(A("bob"), "INBOX", body)])).Error);
        await EventuallyAsync(() => seen.Any(e => e.Kind == MailboxChangeKind.Appended), "the delivery");

        await using var other = await _bed.Store.OpenAsync(Bob, "INBOX");
        await other.StoreFlagsAsync(UidSet.Of(1), new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await EventuallyAsync(() => seen.Any(e => e.Kind == MailboxChangeKind.FlagsChanged), "the flag change");
        Assert.Equal([1u], await other.ExpungeAsync());
        await EventuallyAsync(() => seen.Any(e => e.Kind == MailboxChangeKind.Expunged), "the expunge");

        var events = seen.ToArray();
        Assert.Equal([MailboxChangeKind.Appended, MailboxChangeKind.FlagsChanged, MailboxChangeKind.Expunged], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal((session.MailboxId, A("bob"), "INBOX"), (e.MailboxId, e.Owner, e.Mailbox)));
        Assert.Equal((2u, 0), (events[^1].UidNext, events[^1].Messages));
        Assert.Equal(events[^1].HighestModSeq, (await session.GetStatusAsync()).HighestModSeq);
    }

    [Fact]
    public async Task A_renamed_mailbox_keeps_its_view_and_a_deleted_one_ends_it()
    {
        await _bed.Store.CreateAsync(Alice, "projects");
        await _bed.Store.AppendAsync(Alice, "projects", Message("p"));
        await using var view = await _bed.Store.OpenAsync(Alice, "projects");
        var seen = new ConcurrentQueue<MailboxChanged>();
        using var idle = view.Subscribe((e, _) => { seen.Enqueue(e); return ValueTask.CompletedTask; });

        await _bed.Store.RenameAsync(Alice, "projects", "archive");
        // The view's name and its subscriber hear of the rename on different paths: wait for both.
        await EventuallyAsync(() => view.Name == "archive" && !seen.IsEmpty, "the view to follow the rename");
        var renamed = Assert.Single(seen);
        Assert.Equal((MailboxChangeKind.Renamed, "archive", "projects"), (renamed.Kind, renamed.Mailbox, renamed.OldName));
        Assert.Single(await view.FetchAsync(UidSet.All));

        await _bed.Store.DeleteAsync(Alice, "archive");
        await EventuallyAsync(() => seen.Count == 2, "the deletion");
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => view.GetStatusAsync()));
    }

    [Fact]
    public async Task Qresync_vanished_set_is_right_after_expunges_in_two_sessions()
    {
        await ShareBobsInboxAsync();
        for (var i = 1; i <= 6; i++) await _bed.Store.AppendAsync(Bob, "INBOX", Message($"m{i}"));
        await using var first = await _bed.Store.OpenAsync(Bob, "INBOX");
        await using var second = await _bed.Store.OpenAsync(Alice, "bobin");
        var deleted = new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []);

        await first.StoreFlagsAsync(UidSet.Of(1), deleted);
        Assert.Equal([1u], await first.ExpungeAsync());
        var n = (await first.GetStatusAsync()).HighestModSeq;

        await second.StoreFlagsAsync(UidSet.Of(2, 5), deleted);
        Assert.Equal([2u], await second.ExpungeAsync(UidSet.Of(2)));   // UID EXPUNGE: 5 stays
        await first.StoreFlagsAsync(UidSet.Of(3), new FlagChange(FlagChangeMode.Add, MessageFlags.Flagged, []));
        Assert.Equal([5u], await first.ExpungeAsync());
        await second.StoreFlagsAsync(UidSet.Of(4), deleted);
        await second.CopyAsync(UidSet.Of(4), "~bob/INBOX", move: true); // MOVE within: 4 vanishes, 7 appears

        Assert.Equal([1u, 2u, 4u, 5u], await first.GetVanishedAsync(0));
        Assert.Equal([2u, 4u, 5u], await second.GetVanishedAsync(n));
        Assert.Equal([4u, 5u], await second.GetVanishedAsync(n, UidSet.Range(3, 5)));
        Assert.Empty(await first.GetVanishedAsync((await first.GetStatusAsync()).HighestModSeq));
        // CHANGEDSINCE n: the flag change on 3 and the moved message 7, not the untouched 6.
        Assert.Equal([3u, 7u], (await second.FetchAsync(UidSet.All, changedSince: n)).Select(m => m.Uid));

        // Tombstones go with the mailbox.
        await _bed.Store.CreateAsync(Alice, "gone");
        await _bed.Store.AppendAsync(Alice, "gone", Message("x"));
        await using (var gone = await _bed.Store.OpenAsync(Alice, "gone"))
        {
            await gone.StoreFlagsAsync(UidSet.All, deleted);
            await gone.ExpungeAsync();
            Assert.Equal([1u], await gone.GetVanishedAsync(0));
            await _bed.Store.DeleteAsync(Alice, "gone");
        }
        Assert.Equal(0, Count("SELECT COUNT(*) FROM mailbox_expunged WHERE mailbox_id NOT IN (SELECT id FROM mailboxes)"));
    }

    [Fact]
    public async Task A_change_made_by_another_store_instance_is_published_by_the_watcher_and_own_changes_are_not_repeated()
    {
        // Two store instances on one database are two processes as far as the change log goes (distinct origins).
        var otherBus = new RecordingBus();
        var other = new SqliteMailboxStore(_bed.Database, _bed.Bodies, _bed.Accounts, _bed.Router, otherBus, NullLogger<SqliteMailboxStore>.Instance);
        await ShareBobsInboxAsync();
        await using var watcher = new MailboxChangeWatcher(_bed.Store, _bed.Bus, NullLogger<MailboxChangeWatcher>.Instance, TimeSpan.FromMilliseconds(50));
        await watcher.StartAsync(CancellationToken.None);
        await using var session = await _bed.Store.OpenAsync(Alice, "bobin");
        var seen = new ConcurrentQueue<MailboxChanged>();
        using var idle = session.Subscribe((e, _) => { seen.Enqueue(e); return ValueTask.CompletedTask; });
        var ownBefore = _bed.Bus.Published.Count;

        await _bed.Store.AppendAsync(Bob, "INBOX", Message("in-process"));                 // published at once, once
        await other.AppendAsync(Principal.System, "~bob/INBOX", Message("from the CLI"));   // published by the watcher
        await other.SetAclAsync(Principal.System, "~bob/INBOX", "alice", "-w");
        await EventuallyAsync(() => seen.Count(e => e.Kind == MailboxChangeKind.Appended) == 2 && seen.Any(e => e.Kind == MailboxChangeKind.AclChanged),
            "both appends and the ACL change");
        await EventuallyAsync(() => !session.Rights.HasFlag(MailboxRights.Write), "the rights to follow the other process's ACL change");
        await other.SubscribeAsync(Principal.System, A("alice"), "~bob/INBOX");
        await EventuallyAsync(() => _bed.Bus.Published.OfType<SubscriptionsChanged>().Any(), "the subscription change");
        await Task.Delay(200); // a few more polls: nothing is published twice
        Assert.Equal(2, seen.Count(e => e.Kind == MailboxChangeKind.Appended));
        Assert.Equal([3u], seen.Where(e => e.Kind == MailboxChangeKind.Appended).Select(e => e.UidNext).Skip(1));
        Assert.Single(_bed.Bus.Published.Skip(ownBefore).OfType<SubscriptionsChanged>(), s => s.Account == A("alice"));
        // The other instance published its own changes on its own bus at once (in-process delivery stays immediate).
        Assert.Contains(otherBus.Published.OfType<MailboxChanged>(), e => e.Kind == MailboxChangeKind.Appended && e.UidNext == 3);
    }

    [Fact]
    public async Task Account_creation_and_removal_reach_the_watcher_of_the_process_that_made_them()
    {
        await using var watcher = new MailboxChangeWatcher(_bed.Store, _bed.Bus, NullLogger<MailboxChangeWatcher>.Instance, TimeSpan.FromMilliseconds(50));
        await watcher.StartAsync(CancellationToken.None);
        _bed.CreateAccount(A("erin"));
        await EventuallyAsync(() => _bed.Bus.Published.OfType<MailboxChanged>().Any(e => e.Owner == A("erin") && e.Kind == MailboxChangeKind.Created), "INBOX created");
        _bed.RemoveAccount(A("erin"));
        await EventuallyAsync(() => _bed.Bus.Published.OfType<MailboxChanged>().Any(e => e.Owner == A("erin") && e.Kind == MailboxChangeKind.Deleted), "INBOX deleted");
    }

    private long Count(string sql)
    {
        using var connection = _bed.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
