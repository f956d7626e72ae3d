using Kernel.Abstractions;
using Kernel.Accounts;
using Microsoft.Extensions.Logging;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>The store-level parts of the worked examples X1–X9 (mailboxes.md §12).</summary>
public sealed class WorkedExampleTests : IDisposable
{
    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task<string> MyRights(Principal who, string mailbox) => MailboxRightsText.Format(await _bed.Store.GetRightsAsync(who, mailbox));

    private async Task SharedAnnounceAsync(string rights)
    {
        await _bed.Store.CreateAsync(U("marketing"), "announce");
        await _bed.Store.SetAclAsync(U("marketing"), "announce", "anyone", rights);
        await _bed.Store.AppendAsync(U("marketing"), "announce", Message("news"));
    }

    [Fact]
    public async Task X1_anyone_lrs_reads_and_sets_seen_but_cannot_delete_or_append()
    {
        await SharedAnnounceAsync("lrs");
        var alice = U("alice");
        var status = await _bed.Store.GetStatusAsync(alice, "~marketing/announce");
        Assert.Equal("~marketing/announce", status.Name);
        Assert.Equal("lrs", MailboxRightsText.Format(status.Rights));
        Assert.Equal(1, status.Messages);

        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.StoreFlagsAsync(alice, "~marketing/announce", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Deleted, []))));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.AppendAsync(alice, "~marketing/announce", Message("spam"))));
        Assert.Equal("lrs", await MyRights(alice, "~marketing/announce"));

        // \Seen is allowed with s; one stored copy, shared flags (§1).
        var stored = await _bed.Store.StoreFlagsAsync(alice, "~marketing/announce", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Seen, []));
        Assert.Equal(MessageFlags.Seen, Assert.Single(stored.Updated).Flags);
    }

    [Fact]
    public async Task X1_anyone_lr_is_read_only()
    {
        await SharedAnnounceAsync("lr");
        Assert.Equal("lr", await MyRights(U("alice"), "~marketing/announce"));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.StoreFlagsAsync(U("alice"), "~marketing/announce", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Seen, []))));
    }

    [Fact]
    public async Task X2_public_account_hands_full_control_to_carol()
    {
        await _bed.Store.CreateAsync(U("public"), "support");
        await _bed.Store.SetAclAsync(U("public"), "support", "carol", "lrswipkxtecda");
        await _bed.Store.SetAclAsync(U("carol"), "~public/support", "bob", "lrsi");
        var acl = await _bed.Store.GetAclAsync(U("carol"), "~public/support");
        Assert.Equal(["carol lrswipkxtecda", "bob lrsi"], acl.Select(e => $"{e.Identifier} {MailboxRightsText.Format(e.Rights)}"));
        Assert.Equal("lrsi", await MyRights(U("bob"), "~public/support"));
    }

    [Fact]
    public async Task X3_subscription_with_a_foreign_name()
    {
        await SharedAnnounceAsync("lrs");
        var bob = U("bob");
        await _bed.Store.SubscribeAsync(bob, A("bob"), "~marketing/announce");
        foreach (var own in new[] { "INBOX", "Sent", "Drafts" }) await _bed.Store.SubscribeAsync(bob, A("bob"), own);
        Assert.Equal(["~marketing/announce", "INBOX", "Sent", "Drafts"], await _bed.Store.ListSubscriptionsAsync(bob, A("bob")));
    }

    [Fact]
    public async Task X4_public_mailboxes_are_listed_only_with_l()
    {
        await _bed.Store.CreateAsync(U("public"), "support");
        await _bed.Store.CreateAsync(U("public"), "internal");
        Assert.Empty(await _bed.Store.ListAsync(U("bob"), "~public/*"));
        await _bed.Store.SetAclAsync(U("public"), "support", "anyone", "l");
        var list = await _bed.Store.ListAsync(U("bob"), "~public/*");
        Assert.Equal(["~public/support"], list.Select(i => i.Name));
    }

    [Fact]
    public async Task X5_mailbox_alias_for_a_foreign_mailbox()
    {
        await SharedAnnounceAsync("lrs");
        var bob = U("bob");
        await _bed.Store.SetMailboxAliasAsync(bob, A("bob"), "mkt-announce", "~marketing/announce");
        var item = Assert.Single(await _bed.Store.ListAsync(bob, "*"), i => i.Name == "mkt-announce");
        Assert.True(item.Attributes.HasFlag(MailboxAttributes.Alias));
        Assert.False(item.Attributes.HasFlag(MailboxAttributes.NoSelect));

        var status = await _bed.Store.GetStatusAsync(bob, "mkt-announce");
        Assert.Equal(("mkt-announce", 1, "lrs"), (status.Name, status.Messages, MailboxRightsText.Format(status.Rights)));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.AppendAsync(bob, "mkt-announce", Message("x"))));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.DeleteAsync(bob, "mkt-announce")));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.RenameAsync(bob, "mkt-announce", "other")));
        Assert.Single(await _bed.Store.ListMailboxAliasesAsync(bob, A("bob")));
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(U("marketing"), "announce")).Messages);
    }

    [Fact]
    public async Task X6_account_template_gives_subscriptions_and_aliases()
    {
        await SharedAnnounceAsync("lrs");
        var template = SettingScope.ForTemplate(Main);
        _bed.Directory.Setting(template, SettingKeys.TemplateMailboxes, "Sent")
            .Setting(template, SettingKeys.TemplateSubscriptions, "INBOX, Sent, ~marketing/announce")
            .Setting(template, SettingKeys.TemplateMailboxAliases, "mkt-announce=~marketing/announce");
        _bed.CreateAccount(A("erin"));
        var erin = U("erin");
        Assert.Equal(["INBOX", "Sent", "~marketing/announce"], await _bed.Store.ListSubscriptionsAsync(erin, A("erin")));
        Assert.Equal(["INBOX", "Sent", "mkt-announce"], (await _bed.Store.ListAsync(erin, "*")).Select(i => i.Name));
        Assert.Equal(SpecialUse.Sent, (await _bed.Store.ListAsync(erin, "Sent"))[0].SpecialUse);
        // Copied, not inherited: another account made from another template leaves erin as she is.
        _bed.Directory.Setting(template, SettingKeys.TemplateMailboxes, "Archive")
            .Setting(template, SettingKeys.TemplateSubscriptions, "Archive")
            .Setting(template, SettingKeys.TemplateMailboxAliases, null);
        _bed.CreateAccount(A("frank"));
        Assert.Equal(["INBOX", "Sent", "~marketing/announce"], await _bed.Store.ListSubscriptionsAsync(erin, A("erin")));
    }

    [Fact]
    public async Task X7_server_administrator_cleans_a_user_mailbox()
    {
        for (var i = 0; i < 3; i++) await _bed.Store.AppendAsync(U("alice"), "INBOX", Message($"m{i}"));
        var ops = U("ops");
        Assert.Equal("lrswipkxtecda", await MyRights(ops, "~alice/INBOX"));
        await _bed.Store.StoreFlagsAsync(ops, "~alice/INBOX", UidSet.Range(1, 3), new(FlagChangeMode.Add, MessageFlags.Deleted, []));
        Assert.Equal([1u, 2u, 3u], await _bed.Store.ExpungeAsync(ops, "~alice/INBOX"));
        Assert.Equal(0, (await _bed.Store.GetStatusAsync(ops, "~dave@dept1.company.dom/INBOX")).Messages);
        Assert.Empty(await _bed.Store.GetAclAsync(U("alice"), "INBOX"));

        // §5.6: each administrator access is logged with {Admin}, {Account}, {Mailbox}.
        Assert.Contains(_bed.Logger.Entries, e => e.Level >= LogLevel.Warning
            && Equals(e.Fields.GetValueOrDefault("Admin"), A("ops")) && Equals(e.Fields.GetValueOrDefault("Account"), A("alice"))
            && Equals(e.Fields.GetValueOrDefault("Mailbox"), "INBOX"));
    }

    [Fact]
    public async Task X8_domain_administrator_stops_at_its_domain()
    {
        Assert.Equal("lrswipkxtecda", await MyRights(U("dadmin", Dept), "~dave/INBOX"));
        await _bed.Store.GetStatusAsync(U("dadmin", Dept), "~dave/INBOX");
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.GetStatusAsync(U("dadmin", Dept), "~alice@company.dom/INBOX")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.GetStatusAsync(U("dplain", Dept), "~dave/INBOX")));
    }

    [Fact]
    public async Task X9_open_mailbox_admin_sees_it_and_a_user_gets_the_same_answer_as_absent()
    {
        await _bed.Store.AppendAsync(U("alice"), "INBOX", Message("hello"));
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(U("ops"), "~alice/INBOX")).Messages);
        var invisible = await Assert.ThrowsAsync<MailboxException>(() => _bed.Store.GetStatusAsync(U("bob"), "~alice/INBOX"));
        var absent = await Assert.ThrowsAsync<MailboxException>(() => _bed.Store.GetStatusAsync(U("bob"), "~alice/nothere"));
        var noAccount = await Assert.ThrowsAsync<MailboxException>(() => _bed.Store.GetStatusAsync(U("bob"), "~nobody/INBOX"));
        var noDomain = await Assert.ThrowsAsync<MailboxException>(() => _bed.Store.GetStatusAsync(U("bob"), "~alice@nowhere.dom/INBOX"));
        var empty = await Assert.ThrowsAsync<MailboxException>(() => _bed.Store.GetStatusAsync(U("bob"), "~/x"));
        foreach (var e in new[] { invisible, absent, noAccount, noDomain, empty })
        {
            Assert.Equal(MailboxError.NonExistent, e.Error);
            Assert.Equal(MailboxException.NoSuchMailboxText, e.Message);
        }
    }
}
