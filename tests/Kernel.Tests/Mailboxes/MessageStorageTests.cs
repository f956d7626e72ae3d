using Kernel.Abstractions;
using Kernel.Mailboxes;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>Messages, single-instance bodies, quota, events and the batched local delivery.</summary>
public sealed class MessageStorageTests : IDisposable
{
    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static readonly Principal Alice = U("alice");

    /// <summary>Body files outside <c>bodies/tmp/</c>.</summary>
    private static int BodyFiles(MailboxTestBed bed) =>
        Directory.EnumerateFiles(Path.Combine(bed.Database.DataDirectory, "bodies"), "*", SearchOption.AllDirectories).Count(f => !f.Contains("/bodies/tmp/"));

    /// <summary>Whether a body is still stored: its file, or its bytes in the database for an inline body.</summary>
    private static bool BodyExists(MailboxTestBed bed, Kernel.Storage.StoredBody body) =>
        body.IsInline ? bed.InlineDataExists(body.Id) : bed.BodyFileExists(body);

    [Theory]
    [InlineData(0)]                                          // every body a file
    [InlineData(Kernel.Storage.BodyStore.DefaultInlineLimit)] // small bodies inside the database
    public async Task A_stored_body_is_referenced_not_copied_and_released_on_expunge_delete_and_account_removal(long inlineLimit)
    {
        using var bed = new MailboxTestBed(inlineLimit: inlineLimit);
        var body = await bed.StoreBodyAsync("shared");
        Assert.Equal(inlineLimit > 0, body.IsInline);
        await bed.Store.AppendAsync(Principal.System, "~alice/INBOX", body);
        await bed.Store.AppendAsync(Principal.System, "~bob/INBOX", body);
        await bed.Store.AppendAsync(Principal.System, "~carol/INBOX", body);
        Assert.Equal(3, bed.BodyRefs(body.Id));
        Assert.Equal(body.IsInline ? 0 : 1, BodyFiles(bed));
        Assert.True(BodyExists(bed, body));

        await bed.Store.CreateAsync(Alice, "kept");
        var copy = await bed.Store.CopyAsync(Alice, "INBOX", UidSet.All, "kept", move: false);
        Assert.Equal([1u], copy.SourceUids);
        Assert.Equal([1u], copy.TargetUids);
        Assert.Equal(4, bed.BodyRefs(body.Id));

        await bed.Store.StoreFlagsAsync(Alice, "INBOX", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await bed.Store.ExpungeAsync(Alice, "INBOX");
        Assert.Equal(3, bed.BodyRefs(body.Id));
        await bed.Store.DeleteAsync(Alice, "kept");
        Assert.Equal(2, bed.BodyRefs(body.Id));
        bed.RemoveAccount(A("bob"));
        Assert.Equal(1, bed.BodyRefs(body.Id));
        Assert.True(BodyExists(bed, body));
        bed.RemoveAccount(A("carol"));
        Assert.Equal(0, bed.BodyRefs(body.Id));
        Assert.False(BodyExists(bed, body));
        Assert.Equal(0, BodyFiles(bed));
    }

    [Fact]
    public async Task A_plain_body_is_written_once_and_read_back()
    {
        var appended = await _bed.Store.AppendAsync(Alice, "INBOX", Message("plain"), MessageFlags.Seen, ["$label1"], DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var summary = Assert.Single(await _bed.Store.FetchAsync(Alice, "INBOX", UidSet.Of(appended.Uid)));
        Assert.Equal((MessageFlags.Seen, "$label1", 1_700_000_000L), (summary.Flags, string.Join(' ', summary.Keywords), summary.InternalDate.ToUnixTimeSeconds()));
        var body = await _bed.Store.OpenMessageAsync(Alice, "INBOX", appended.Uid);
        using var reader = new StreamReader(body!.OpenRead());
        Assert.Equal("Subject: plain\r\n\r\nbody\r\n", await reader.ReadToEndAsync());
        Assert.Null(await _bed.Store.OpenMessageAsync(Alice, "INBOX", 99));
        Assert.Equal(1, _bed.BodyRefs(((Kernel.Storage.StoredBody)body).Id));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Kernel.Storage.BodyStore.DefaultInlineLimit)]
    public async Task Quota_counts_against_the_owner_even_in_a_foreign_append(long inlineLimit)
    {
        using var bed = new MailboxTestBed(inlineLimit: inlineLimit);
        bed.Directory.Setting(SettingScope.ForAccount(A("alice")), SettingKeys.MailboxQuotaBytes, "90");
        await bed.Store.SetAclAsync(Alice, "INBOX", "bob", "lri");
        await bed.Store.AppendAsync(Alice, "INBOX", Message("a", 30));   // 50 bytes
        Assert.Equal(MailboxError.OverQuota, await ErrorOf(() => bed.Store.AppendAsync(U("bob"), "~alice/INBOX", Message("b", 30))));
        Assert.Equal(new QuotaUsage(50, 90), await bed.Store.GetQuotaAsync(Alice, A("alice")));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => bed.Store.GetQuotaAsync(U("bob"), A("alice"))));
        // Bob's own quota is not touched by mail he puts into Alice's mailbox.
        Assert.Equal(new QuotaUsage(0, null), await bed.Store.GetQuotaAsync(U("bob"), A("bob")));
        // The body written for the refused append is not left behind.
        Assert.Equal(inlineLimit > 0 ? 0 : 1, BodyFiles(bed));
        Assert.Equal(1, bed.StoredBodies());
    }

    [Fact]
    public async Task Append_quota_comes_from_the_nearest_setting_scope_read_inside_the_write()
    {
        // 50-byte messages. The commit reads the quota in its write transaction (one statement with the bytes held), not
        // through the account store, and resolves it as the account store does: account, template, domain, server.
        _bed.Directory.Setting(SettingScope.Server, SettingKeys.MailboxQuotaBytes, "40");
        Assert.Equal(MailboxError.OverQuota, await ErrorOf(() => _bed.Store.AppendAsync(Alice, "INBOX", Message("a", 30))));
        _bed.Directory.Setting(SettingScope.ForDomain(Main), SettingKeys.MailboxQuotaBytes, "120");
        await _bed.Store.AppendAsync(Alice, "INBOX", Message("a", 30));
        await _bed.Store.AppendAsync(U("bob"), "INBOX", Message("b", 30)); // Bob's bytes are his own
        _bed.Directory.Setting(SettingScope.ForTemplate(Main), SettingKeys.MailboxQuotaBytes, "60");
        Assert.Equal(MailboxError.OverQuota, await ErrorOf(() => _bed.Store.AppendAsync(Alice, "INBOX", Message("a", 30))));
        _bed.Directory.Setting(SettingScope.ForAccount(A("alice")), SettingKeys.MailboxQuotaBytes, "100");
        await using (var append = await _bed.Store.BeginAppendAsync(Alice, "INBOX"))
        {
            await append.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"Subject: a\r\n\r\n{new string('x', 30)}body\r\n"));
            Assert.Equal(2u, (await append.CommitAsync()).Uid); // 100 bytes: exactly the limit
        }
        Assert.Equal(MailboxError.OverQuota, await ErrorOf(() => _bed.Store.AppendAsync(Alice, "INBOX", Message("c"))));
        var status = await _bed.Store.GetStatusAsync(Alice, "INBOX");
        Assert.Equal((2, 100L), (status.Messages, status.Size));
        Assert.Equal(0, _bed.SettingLookups);
    }

    [Fact]
    public async Task Modseq_changedsince_and_unchangedsince()
    {
        await _bed.Store.AppendAsync(Alice, "INBOX", Message("1"));
        await _bed.Store.AppendAsync(Alice, "INBOX", Message("2"));
        var before = (await _bed.Store.GetStatusAsync(Alice, "INBOX")).HighestModSeq;
        await _bed.Store.StoreFlagsAsync(Alice, "INBOX", UidSet.Of(2), new(FlagChangeMode.Add, MessageFlags.Flagged, []));
        var after = await _bed.Store.GetStatusAsync(Alice, "INBOX");
        Assert.True(after.HighestModSeq > before);
        Assert.Equal([2u], (await _bed.Store.FetchAsync(Alice, "INBOX", UidSet.All, changedSince: before)).Select(m => m.Uid));
        var result = await _bed.Store.StoreFlagsAsync(Alice, "INBOX", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Answered, []), unchangedSince: before);
        Assert.Equal([2u], result.Modified);
        Assert.Equal([1u], result.Updated.Select(m => m.Uid));
        Assert.Equal((2, 1u), (after.Unseen, after.FirstUnseenUid));
    }

    [Fact]
    public async Task Mailbox_changed_is_published_after_commit()
    {
        await _bed.Store.AppendAsync(Alice, "INBOX", Message("1"));
        var changed = Assert.IsType<MailboxChanged>(Assert.Single(_bed.Bus.Published));
        Assert.Equal((A("alice"), "INBOX", 2u, 1), (changed.Owner, changed.Mailbox, changed.UidNext, changed.Messages));
        await Assert.ThrowsAsync<MailboxException>(() => _bed.Store.AppendAsync(Alice, "nothere", Message("x")));
        Assert.Single(_bed.Bus.Published);
    }

    [Fact]
    public async Task Local_delivery_batch_appends_in_one_transaction_and_fails_items_alone()
    {
        _bed.Directory.Setting(SettingScope.ForAccount(A("carol")), SettingKeys.MailboxQuotaBytes, "10");
        var body = await _bed.StoreBodyAsync("to many");
        var items = new List<LocalDeliveryItem>
        {
            new(A("alice"), "INBOX", body),
            new(A("bob"), "inbox", body, MessageFlags.Flagged, ["$Important"]),
            new(A("alice"), "INBOX", body),
            new(A("nobody"), "INBOX", body),
            new(A("alice"), "Nope", body),
            new(A("carol"), "INBOX", body),
        };
        var results = await _bed.Store.DeliverAsync(items);
        Assert.Equal([1u, 1u, 2u], results.Take(3).Select(r => r.Appended!.Uid));
        Assert.Equal([MailboxError.NonExistent, MailboxError.NonExistent, MailboxError.OverQuota], results.Skip(3).Select(r => r.Error!.Value));
        Assert.Equal(3, _bed.BodyRefs(body.Id));
        Assert.Equal(2, (await _bed.Store.GetStatusAsync(Alice, "INBOX")).Messages);
        var bobs = Assert.Single(await _bed.Store.FetchAsync(U("bob"), "INBOX", UidSet.All));
        Assert.Equal((MessageFlags.Flagged, "$Important"), (bobs.Flags, bobs.Keywords.Single()));
        Assert.Equal(2, _bed.Bus.Published.OfType<MailboxChanged>().Count()); // one per touched mailbox
    }
}
