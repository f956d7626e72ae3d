using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using static Kernel.Tests.Integration.KernelBed;

namespace Kernel.Tests.Integration;

/// <summary>
/// mailboxes.md §12 worked examples X1–X9 at store level on the real composition: the SQLite account store holds the
/// domains, accounts, aliases and administrator rights, the default router resolves foreign names, and the mailbox
/// store computes rights from both. Rights strings are compared exactly (§4.1 canonical order).
/// </summary>
public sealed class WorkedExamplesOnRealStoresTests : IAsyncLifetime
{
    private KernelBed _bed = null!;

    public async Task InitializeAsync() => _bed = await KernelBed.CreateAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private IMailboxStore Store => _bed.Mailboxes;

    private async Task<string> MyRights(Principal who, string mailbox) => MailboxRightsText.Format(await Store.GetRightsAsync(who, mailbox));

    private static async Task<MailboxError> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<MailboxException>(action)).Error;

    private static string Show(IEnumerable<AclEntry> acl) => string.Join(" ", acl.Select(e => $"{e.Identifier} {MailboxRightsText.Format(e.Rights)}"));

    private async Task SharedAnnounceAsync(string rights)
    {
        await Store.CreateAsync(U("marketing"), "announce");
        await Store.SetAclAsync(U("marketing"), "announce", "anyone", rights);
        await Store.AppendAsync(U("marketing"), "announce", Message("news"));
    }

    [Fact]
    public async Task The_test_bed_is_made_through_the_account_store()
    {
        Assert.Equal(Main, await _bed.Accounts.GetMainDomainAsync());
        Assert.Equal(["alice", "bob", "carol", "marketing", "ops", "postmaster", "public"], (await _bed.Accounts.ListAccountsAsync(Main)).Select(a => a.Address.Name).Order());
        // Every account got its INBOX from the mailbox store, inside the account store's transaction.
        foreach (var account in new[] { A("alice"), A("dave", Dept), A("dplain", Dept) })
            Assert.Equal(["INBOX"], (await Store.ListAsync(Principal.User(account), "*")).Select(i => i.Name));
    }

    [Fact]
    public async Task X1_anyone_lrs_reads_and_sets_seen_but_cannot_delete_or_append()
    {
        await SharedAnnounceAsync("lrs");
        var alice = U("alice");
        var status = await Store.GetStatusAsync(alice, "~marketing/announce");
        Assert.Equal(("~marketing/announce", 1, "lrs"), (status.Name, status.Messages, MailboxRightsText.Format(status.Rights)));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.StoreFlagsAsync(alice, "~marketing/announce", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Deleted, []))));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.AppendAsync(alice, "~marketing/announce", Message("spam"))));
        Assert.Equal("lrs", await MyRights(alice, "~marketing/announce"));
        var stored = await Store.StoreFlagsAsync(alice, "~marketing/announce", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Seen, []));
        Assert.Equal(MessageFlags.Seen, Assert.Single(stored.Updated).Flags);
        // §4.2 / §13.1: anyone is every account of every domain.
        Assert.Equal("lrs", await MyRights(U("dave", Dept), "~marketing@company.dom/announce"));
        // One stored copy serves every reader: the flag Alice set is the one marketing sees (§1).
        Assert.Equal(MessageFlags.Seen, Assert.Single(await Store.FetchAsync(U("marketing"), "announce", UidSet.All)).Flags);
    }

    [Fact]
    public async Task X1_anyone_lr_is_read_only()
    {
        await SharedAnnounceAsync("lr");
        Assert.Equal("lr", await MyRights(U("alice"), "~marketing/announce"));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.StoreFlagsAsync(U("alice"), "~marketing/announce", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Seen, []))));
    }

    [Fact]
    public async Task X2_public_account_hands_full_control_to_carol()
    {
        await Store.CreateAsync(U("public"), "support");
        await Store.SetAclAsync(U("public"), "support", "carol", "lrswipkxtecda");
        Assert.Equal("lrswipkxtecda", await MyRights(U("carol"), "~public/support"));
        await Store.SetAclAsync(U("carol"), "~public/support", "bob", "lrsi");
        Assert.Equal("carol lrswipkxtecda bob lrsi", Show(await Store.GetAclAsync(U("carol"), "~public/support")));
        Assert.Equal("lrsi", await MyRights(U("bob"), "~public/support"));
        // Bob holds no a: he may not read or change the ACL (§4.5), and the answer is NOPERM, he can see it.
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.GetAclAsync(U("bob"), "~public/support")));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.SetAclAsync(U("bob"), "~public/support", "alice", "lr")));
    }

    [Fact]
    public async Task X3_subscription_with_a_foreign_name()
    {
        await SharedAnnounceAsync("lrs");
        var bob = U("bob");
        await Store.SubscribeAsync(bob, A("bob"), "~marketing/announce");
        foreach (var own in new[] { "INBOX", "Sent", "Drafts" }) await Store.SubscribeAsync(bob, A("bob"), own);
        Assert.Equal(["~marketing/announce", "INBOX", "Sent", "Drafts"], await Store.ListSubscriptionsAsync(bob, A("bob")));
        // §5.4: a foreign name one cannot see is refused like an absent one.
        await Store.CreateAsync(U("marketing"), "private");
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.SubscribeAsync(bob, A("bob"), "~marketing/private")));
    }

    [Fact]
    public async Task X4_public_mailboxes_are_listed_only_with_l()
    {
        await Store.CreateAsync(U("public"), "support");
        await Store.CreateAsync(U("public"), "internal");
        Assert.Empty(await Store.ListAsync(U("bob"), "~public/*"));
        await Store.SetAclAsync(U("public"), "support", "anyone", "l");
        Assert.Equal(["~public/support"], (await Store.ListAsync(U("bob"), "~public/*")).Select(i => i.Name));
        // §5.2: a wildcard in the account part is never expanded.
        Assert.Empty(await Store.ListAsync(U("bob"), "~*"));
        Assert.Empty(await Store.ListAsync(U("bob"), "~pub%/support"));
    }

    [Fact]
    public async Task X5_mailbox_alias_for_a_foreign_mailbox()
    {
        await SharedAnnounceAsync("lrs");
        var bob = U("bob");
        await Store.SetMailboxAliasAsync(bob, A("bob"), "mkt-announce", "~marketing/announce");
        var item = Assert.Single(await Store.ListAsync(bob, "*"), i => i.Name == "mkt-announce");
        Assert.True(item.Attributes.HasFlag(MailboxAttributes.Alias));
        Assert.False(item.Attributes.HasFlag(MailboxAttributes.NoSelect));
        var status = await Store.GetStatusAsync(bob, "mkt-announce");
        Assert.Equal(("mkt-announce", 1, "lrs"), (status.Name, status.Messages, MailboxRightsText.Format(status.Rights)));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.AppendAsync(bob, "mkt-announce", Message("x"))));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.DeleteAsync(bob, "mkt-announce")));
        Assert.Single(await Store.ListMailboxAliasesAsync(bob, A("bob")));
        Assert.Equal(1, (await Store.GetStatusAsync(U("marketing"), "announce")).Messages);
    }

    [Fact]
    public async Task X6_account_template_set_through_settings_gives_new_accounts_mailboxes_subscriptions_and_aliases()
    {
        await SharedAnnounceAsync("lrs");
        var template = SettingScope.ForTemplate(Main);
        await _bed.Accounts.SetSettingAsync(template, SettingKeys.TemplateMailboxes, "Sent");
        await _bed.Accounts.SetSettingAsync(template, SettingKeys.TemplateSubscriptions, "INBOX, Sent, ~marketing/announce");
        await _bed.Accounts.SetSettingAsync(template, SettingKeys.TemplateMailboxAliases, "mkt-announce=~marketing/announce");

        await _bed.Accounts.CreateAccountAsync(A("erin"), null);
        var erin = U("erin");
        Assert.Equal(["INBOX", "Sent", "~marketing/announce"], await Store.ListSubscriptionsAsync(erin, A("erin")));
        Assert.Equal(["INBOX", "Sent", "mkt-announce"], (await Store.ListAsync(erin, "*")).Select(i => i.Name));
        Assert.Equal(SpecialUse.Sent, Assert.Single(await Store.ListAsync(erin, "Sent")).SpecialUse);
        Assert.Equal(("mkt-announce", 1, "lrs"), await StatusOf(erin, "mkt-announce"));

        // Copied, not inherited (§8): editing the template afterwards changes nothing for erin, only for the next account.
        await _bed.Accounts.SetSettingAsync(template, SettingKeys.TemplateMailboxes, "Archive");
        await _bed.Accounts.SetSettingAsync(template, SettingKeys.TemplateSubscriptions, "Archive");
        await _bed.Accounts.SetSettingAsync(template, SettingKeys.TemplateMailboxAliases, null);
        Assert.Equal(["INBOX", "Sent", "~marketing/announce"], await Store.ListSubscriptionsAsync(erin, A("erin")));
        Assert.Equal(["INBOX", "Sent", "mkt-announce"], (await Store.ListAsync(erin, "*")).Select(i => i.Name));
        await _bed.Accounts.CreateAccountAsync(A("frank"), null);
        Assert.Equal(["Archive"], await Store.ListSubscriptionsAsync(U("frank"), A("frank")));
        Assert.Equal(["Archive", "INBOX"], (await Store.ListAsync(U("frank"), "*")).Select(i => i.Name).Order(StringComparer.Ordinal));

        // The other domain's template is its own: dept1 accounts get none of this.
        await _bed.Accounts.CreateAccountAsync(A("gina", Dept), null);
        Assert.Empty(await Store.ListSubscriptionsAsync(U("gina", Dept), A("gina", Dept)));
    }

    private async Task<(string, int, string)> StatusOf(Principal who, string mailbox)
    {
        var status = await Store.GetStatusAsync(who, mailbox);
        return (status.Name, status.Messages, MailboxRightsText.Format(status.Rights));
    }

    [Fact]
    public async Task X7_server_administrator_cleans_a_user_mailbox()
    {
        for (var i = 0; i < 3; i++) await Store.AppendAsync(U("alice"), "INBOX", Message($"m{i}"));
        var ops = U("ops");
        Assert.Equal("lrswipkxtecda", await MyRights(ops, "~alice/INBOX"));
        await Store.StoreFlagsAsync(ops, "~alice/INBOX", UidSet.Range(1, 3), new(FlagChangeMode.Add, MessageFlags.Deleted, []));
        Assert.Equal([1u, 2u, 3u], await Store.ExpungeAsync(ops, "~alice/INBOX"));
        Assert.Equal(0, (await Store.GetStatusAsync(ops, "~dave@dept1.company.dom/INBOX")).Messages);
        Assert.Empty(await Store.GetAclAsync(U("alice"), "INBOX"));
        // Master (postmaster) has every right too (§10), and an ACL entry cannot lower it.
        await Store.SetAclAsync(U("alice"), "INBOX", "-postmaster", "lrswipkxtecda");
        Assert.Equal("lrswipkxtecda", await MyRights(U("postmaster"), "~alice/INBOX"));
        // §5.6: the access is logged at warning with {Admin}, {Account}, {Mailbox}.
        Assert.Contains(_bed.Logs.Entries, e => e.Level >= LogLevel.Warning
            && Equals(e.Fields.GetValueOrDefault("Admin"), A("ops")) && Equals(e.Fields.GetValueOrDefault("Account"), A("alice"))
            && Equals(e.Fields.GetValueOrDefault("Mailbox"), "INBOX"));
    }

    [Fact]
    public async Task X8_domain_administrator_stops_at_its_domain()
    {
        Assert.Equal("lrswipkxtecda", await MyRights(U("dadmin", Dept), "~dave/INBOX"));
        Assert.Equal(0, (await Store.GetStatusAsync(U("dadmin", Dept), "~dave/INBOX")).Messages);
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("dadmin", Dept), "~alice@company.dom/INBOX")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("dplain", Dept), "~dave/INBOX")));
        Assert.Equal("", await MyRights(U("dplain", Dept), "~dave/INBOX"));

        // §10 guard (§13.7): an account of dept1 that holds server rights is out of the Domain Administrator's reach.
        // Server rights go only to Main-Domain accounts, so the store refuses them for dave outright.
        await Assert.ThrowsAsync<DirectoryException>(() => _bed.Accounts.SetAdminRightsAsync(A("dave", Dept), new AdminRights(ServerRights.AllUsers, DomainAdminRights.None)));

        // Rights are re-read on every call: revoking CanAccessMailboxes takes effect at once.
        await _bed.Accounts.SetAdminRightsAsync(A("dadmin", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("dadmin", Dept), "~dave/INBOX")));
    }

    [Fact]
    public async Task X9_open_mailbox_admin_sees_it_and_a_user_gets_the_same_answer_as_absent()
    {
        await Store.AppendAsync(U("alice"), "INBOX", Message("hello"));
        Assert.Equal(1, (await Store.GetStatusAsync(U("ops"), "~alice/INBOX")).Messages);
        var failures = new List<MailboxException>();
        foreach (var name in new[] { "~alice/INBOX", "~alice/nothere", "~nobody/INBOX", "~alice@nowhere.dom/INBOX", "~/x", "~team/INBOX" })
            failures.Add(await Assert.ThrowsAsync<MailboxException>(() => Store.GetStatusAsync(U("bob"), name)));
        foreach (var e in failures)
        {
            Assert.Equal(MailboxError.NonExistent, e.Error);
            Assert.Equal(MailboxException.NoSuchMailboxText, e.Message);
        }
    }

    // ---- foreign names and identifiers through the account store's aliases (§3, §4.2) ----

    [Fact]
    public async Task Foreign_names_resolve_through_account_aliases_and_domain_aliases()
    {
        await SharedAnnounceAsync("lrs");
        await _bed.Accounts.AddAliasAsync(A("mkt"), A("marketing"));
        await _bed.Accounts.AddDomainAliasAsync(Main, "corp.dom");
        await _bed.Accounts.AddDomainAliasAsync(Dept, "dept1.dom");

        // The name typed is echoed back (§3), whichever way it reached the account.
        foreach (var name in new[] { "~mkt/announce", "~MKT/announce", "~marketing@corp.dom/announce", "~mkt@corp.dom/announce", "~Marketing@Company.Dom/announce" })
            Assert.Equal((name, 1, "lrs"), await StatusOf(U("alice"), name));
        foreach (var name in new[] { "~mkt@company.dom/announce", "~marketing@corp.dom/announce", "~mkt@corp.dom/announce" })
            Assert.Equal("lrs", await MyRights(U("dave", Dept), name));
        // ~acct/ is in the user's own domain: for dave, ~mkt/ is mkt@dept1.company.dom, which does not exist.
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("dave", Dept), "~mkt/announce")));

        // Administrators through aliases: dadmin reaches dave via the dept1 domain alias, not alice via the main one.
        Assert.Equal("lrswipkxtecda", await MyRights(U("dadmin", Dept), "~dave@dept1.dom/INBOX"));
        Assert.Equal("", await MyRights(U("dadmin", Dept), "~alice@corp.dom/INBOX"));

        // ~me/box is the user's own box with owner rights, also under an alias of the user.
        await _bed.Accounts.AddAliasAsync(A("ally"), A("alice"));
        Assert.Equal("lrswipkxtecda", await MyRights(U("alice"), "~ally/INBOX"));
        Assert.Equal("lrswipkxtecda", await MyRights(U("alice"), "~alice@corp.dom/INBOX"));

        // A forwarder or a group is not an account: the same answer as absent (§3 "only a Local result counts").
        await _bed.Accounts.SetForwarderAsync(A("fwd"), "marketing@company.dom");
        await _bed.Accounts.CreateGroupAsync(A("team"), GroupKind.Group);
        foreach (var name in new[] { "~fwd/announce", "~team/announce" })
            Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("alice"), name)));
    }

    [Fact]
    public async Task Acl_identifiers_are_stored_in_the_owners_terms_and_match_through_the_account_store()
    {
        await Store.CreateAsync(U("public"), "support");
        await _bed.Accounts.AddDomainAliasAsync(Main, "corp.dom");
        await _bed.Accounts.CreateGroupAsync(A("team"), GroupKind.Group);
        await _bed.Accounts.SetGroupMembersAsync(A("team"), ["carol@company.dom", "dave@dept1.company.dom"]);

        // §4.2: a domain alias is replaced by its domain, a name in the owner's domain is stored bare, others keep @dom.
        await Store.SetAclAsync(U("public"), "support", "Bob@Corp.Dom", "lrsi");
        await Store.SetAclAsync(U("public"), "support", "dave@dept1.company.dom", "lr");
        await Store.SetAclAsync(U("public"), "support", "#team", "w");
        await Store.SetAclAsync(U("public"), "support", "anyone@", "l");
        await Store.SetAclAsync(U("public"), "support", "-bob", "s");
        Assert.Equal("bob lrsi dave@dept1.company.dom lr #team w anyone@ l -bob s", Show(await Store.GetAclAsync(U("public"), "support")));

        Assert.Equal("lri", await MyRights(U("bob"), "~public/support"));          // lrsi − s
        Assert.Equal("lrw", await MyRights(U("dave", Dept), "~public@company.dom/support")); // lr + #team w; anyone@ is company.dom only
        Assert.Equal("lw", await MyRights(U("carol"), "~public/support"));          // anyone@ l + #team w
        Assert.Equal("l", await MyRights(U("alice"), "~public/support"));
        Assert.Equal("", await MyRights(U("dplain", Dept), "~public@company.dom/support"));

        // Group membership is read live from the account store.
        await _bed.Accounts.SetGroupMembersAsync(A("team"), ["alice@company.dom"]);
        Assert.Equal("lw", await MyRights(U("alice"), "~public/support"));
        Assert.Equal("l", await MyRights(U("carol"), "~public/support"));
    }

    // ---- removing accounts and domains (§1; IAccountStore.DeleteAccountAsync) ----

    [Fact]
    public async Task Removing_an_account_removes_its_mailboxes_subscriptions_aliases_and_body_files()
    {
        var alice = U("alice");
        await Store.CreateAsync(alice, "Projects/2024");
        await Store.AppendAsync(alice, "INBOX", Message("only alice's"));
        await Store.AppendAsync(alice, "Projects/2024", Message("shared with bob"));
        await Store.SubscribeAsync(alice, A("alice"), "Projects");
        await Store.SetMailboxAliasAsync(alice, A("alice"), "p", "Projects/2024");
        await Store.SetAclAsync(alice, "Projects/2024", "bob", "lri");
        // Bob copies one of her messages into his INBOX: the body is shared, not copied (two references, one file).
        await Store.CopyAsync(U("bob"), "~alice/Projects/2024", UidSet.All, "INBOX", move: false);
        var alicesBodies = _bed.BodyIdsOf(A("alice"));
        Assert.Equal(2, alicesBodies.Count);
        var shared = Assert.Single(_bed.BodyIdsOf(A("bob")));
        var own = alicesBodies.Single(id => id != shared);
        Assert.Equal(new Dictionary<string, long> { [own] = 1, [shared] = 2 }, _bed.BodyRows());
        Assert.Equal(new[] { own, shared }.Order(StringComparer.Ordinal), _bed.StoredBodies());

        await _bed.Accounts.DeleteAccountAsync(A("alice"));

        Assert.Null(await _bed.Accounts.GetAccountAsync(A("alice")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("ops"), "~alice/INBOX")));
        Assert.Empty(_bed.BodyIdsOf(A("alice")));
        Assert.Equal(new Dictionary<string, long> { [shared] = 1 }, _bed.BodyRows());
        Assert.Equal([shared], _bed.StoredBodies());
        Assert.Equal(1, (await Store.GetStatusAsync(U("bob"), "INBOX")).Messages);

        // A new account of the same name starts clean: INBOX only, no subscriptions, no aliases, nothing stored.
        await _bed.Accounts.CreateAccountAsync(A("alice"), null);
        Assert.Equal(["INBOX"], (await Store.ListAsync(alice, "*")).Select(i => i.Name));
        Assert.Empty(await Store.ListSubscriptionsAsync(alice, A("alice")));
        Assert.Empty(await Store.ListMailboxAliasesAsync(alice, A("alice")));
        Assert.Equal(0, (await Store.GetStatusAsync(alice, "INBOX")).Messages);
        Assert.Equal(0, (await Store.GetQuotaAsync(alice, A("alice"))).UsedBytes);
    }

    [Fact]
    public async Task Removing_a_domain_removes_the_mailboxes_and_body_files_of_its_accounts()
    {
        await Store.AppendAsync(U("dave", Dept), "INBOX", Message("for dave"));
        await Store.AppendAsync(U("alice"), "INBOX", Message("for alice"));
        var daves = Assert.Single(_bed.BodyIdsOf(A("dave", Dept)));
        var alices = Assert.Single(_bed.BodyIdsOf(A("alice")));

        await _bed.Accounts.DeleteDomainAsync(Dept);

        Assert.Null(await _bed.Accounts.ResolveDomainAsync(Dept));
        Assert.Empty(_bed.BodyIdsOf(A("dave", Dept)));
        Assert.Equal([alices], _bed.StoredBodies());
        Assert.DoesNotContain(daves, _bed.BodyRows().Keys);
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("ops"), "~dave@dept1.company.dom/INBOX")));
    }
}
