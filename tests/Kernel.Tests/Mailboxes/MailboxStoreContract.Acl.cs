using Kernel.Abstractions;
using Kernel.Testing.Stores;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

// Identifiers (§4.2), negative entries and the effective-rights function (§4.3), SETACL/DELETEACL (§5.5), ACL inheritance (§4.4), admin rows (§10).
public abstract partial class MailboxStoreContract<TProvider>
{
    private Task CreateBox() => Store.CreateAsync(U("marketing"), "box");

    private async Task<string> RightsOf(string name, string domain = Main) =>
        MailboxRightsText.Format(await Store.GetRightsAsync(U(name, domain), "~marketing@company.dom/box"));

    private async Task<string[]> StoredAcl() =>
        (await Store.GetAclAsync(U("marketing"), "box")).Select(e => $"{e.Identifier} {MailboxRightsText.Format(e.Rights)}").ToArray();

    [Theory]
    // identifier as typed, stored form, who gets lrs, who does not
    [InlineData("bob", "bob", "bob@company.dom", "dave@dept1.company.dom")]
    [InlineData("BOB", "bob", "bob@company.dom", "alice@company.dom")]
    [InlineData("bob@company.dom", "bob", "bob@company.dom", "alice@company.dom")]
    [InlineData("bob@co.alias", "bob", "bob@company.dom", "alice@company.dom")]
    [InlineData("dave@dept1.company.dom", "dave@dept1.company.dom", "dave@dept1.company.dom", "bob@company.dom")]
    [InlineData("anyone", "anyone", "dave@dept1.company.dom", null)]
    [InlineData("anyone@", "anyone@", "alice@company.dom", "dave@dept1.company.dom")]
    [InlineData("anyone@company.dom", "anyone@", "alice@company.dom", "dave@dept1.company.dom")]
    [InlineData("anyone@dept1.company.dom", "anyone@dept1.company.dom", "dave@dept1.company.dom", "alice@company.dom")]
    [InlineData("#sales", "#sales", "carol@company.dom", "alice@company.dom")]
    [InlineData("#sales@company.dom", "#sales", "bob@company.dom", "dave@dept1.company.dom")]
    [InlineData("#all", "#all", "bob@company.dom", "alice@company.dom")]
    [InlineData("#staff@dept1.company.dom", "#staff@dept1.company.dom", "dave@dept1.company.dom", "bob@company.dom")]
    [InlineData("#nosuchgroup", "#nosuchgroup", null, "bob@company.dom")]
    [InlineData("#g1", "#g1", null, "alice@company.dom")] // alice is 5 groups deep: beyond the 4-level limit
    [InlineData("#g3", "#g3", "alice@company.dom", "bob@company.dom")]
    public async Task Identifier_forms_match_whom_the_spec_says(string typed, string stored, string? matches, string? doesNotMatch)
    {
        await CreateBox();
        await Store.SetAclAsync(U("marketing"), "box", typed, "lrs");
        Assert.Equal([$"{stored} lrs"], await StoredAcl());
        if (matches is not null)
        {
            var m = matches.Split('@');
            Assert.Equal("lrs", await RightsOf(m[0], m[1]));
        }
        if (doesNotMatch is not null)
        {
            var n = doesNotMatch.Split('@');
            Assert.Equal("", await RightsOf(n[0], n[1]));
        }
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("#")]
    [InlineData("bob@bad..dom")]
    [InlineData(".bob")]
    [InlineData("")]
    public async Task Malformed_identifier_is_bad_and_changes_nothing(string identifier)
    {
        await CreateBox();
        Assert.Equal(MailboxError.BadRights, await ErrorOf(() => Store.SetAclAsync(U("marketing"), "box", identifier, "lr")));
        Assert.Empty(await StoredAcl());
    }

    [Fact]
    public async Task Negative_entries_take_rights_away_in_any_order()
    {
        await CreateBox();
        await Store.SetAclAsync(U("marketing"), "box", "-bob", "w");
        await Store.SetAclAsync(U("marketing"), "box", "anyone", "lrsw");
        await Store.SetAclAsync(U("marketing"), "box", "-#staff@dept1.company.dom", "rsw");
        Assert.Equal(["-bob w", "anyone lrsw", "-#staff@dept1.company.dom rsw"], await StoredAcl());
        Assert.Equal("lrs", await RightsOf("bob"));
        Assert.Equal("lrsw", await RightsOf("alice"));
        Assert.Equal("l", await RightsOf("dave", Dept));
        // Neither the owner nor an administrator can be reduced by an entry (§1, §10).
        await Store.SetAclAsync(U("marketing"), "box", "-marketing", "lrswipkxtecda");
        await Store.SetAclAsync(U("marketing"), "box", "-ops", "lrswipkxtecda");
        Assert.Equal("lrswipkxtecda", MailboxRightsText.Format(await Store.GetRightsAsync(U("marketing"), "box")));
        Assert.Equal("lrswipkxtecda", await RightsOf("ops"));
    }

    [Fact]
    public async Task Setacl_add_remove_replace_and_empty()
    {
        await CreateBox();
        var m = U("marketing");
        await Store.SetAclAsync(m, "box", "alice", "lr");
        await Store.SetAclAsync(m, "box", "bob", "l");
        await Store.SetAclAsync(m, "box", "alice", "+si");
        Assert.Equal(["alice lrsi", "bob l"], await StoredAcl());
        await Store.SetAclAsync(m, "box", "alice", "-r");
        Assert.Equal(["alice lsi", "bob l"], await StoredAcl());
        await Store.SetAclAsync(m, "box", "alice", "k");          // replace; k and c are one tied right
        Assert.Equal(["alice kc", "bob l"], await StoredAcl());
        await Store.SetAclAsync(m, "box", "alice", "t");          // x t e d are one tied right
        Assert.Equal(["alice xted", "bob l"], await StoredAcl());
        Assert.Equal(MailboxError.BadRights, await ErrorOf(() => Store.SetAclAsync(m, "box", "alice", "lrz")));
        Assert.Equal(MailboxError.BadRights, await ErrorOf(() => Store.SetAclAsync(m, "box", "alice", "+q")));
        Assert.Equal(["alice xted", "bob l"], await StoredAcl());
        await Store.SetAclAsync(m, "box", "alice", "");            // empty removes the entry
        Assert.Equal(["bob l"], await StoredAcl());
        await Store.DeleteAclAsync(m, "box", "bob");
        await Store.DeleteAclAsync(m, "box", "nobody");           // absent: not an error
        Assert.Empty(await StoredAcl());
    }

    [Fact]
    public async Task Holder_of_a_may_administer_and_grant_a()
    {
        await CreateBox();
        await Store.SetAclAsync(U("marketing"), "box", "alice", "la");
        await Store.SetAclAsync(U("alice"), "~marketing/box", "bob", "lrsa");
        await Store.SetAclAsync(U("bob"), "~marketing/box", "carol", "lr");
        Assert.Equal(["alice la", "bob lrsa", "carol lr"], await StoredAcl());
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.GetAclAsync(U("carol"), "~marketing/box")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetAclAsync(U("dave", Dept), "~marketing@company.dom/box")));
    }

    [Fact]
    public async Task New_sub_mailbox_copies_the_parent_acl_and_apply_to_children_copies_again()
    {
        var m = U("marketing");
        await CreateBox();
        await Store.SetAclAsync(m, "box", "anyone", "lr");
        await Store.CreateAsync(m, "box/sub");
        await Store.CreateAsync(m, "box/sub/deeper");
        Assert.Equal(["anyone lr"], (await Store.GetAclAsync(m, "box/sub/deeper")).Select(e => $"{e.Identifier} {MailboxRightsText.Format(e.Rights)}"));
        await Store.SetAclAsync(m, "box", "bob", "lrsw");
        Assert.Single(await Store.GetAclAsync(m, "box/sub"));   // later edits do not propagate
        await Store.ApplyAclToChildrenAsync(m, "box");
        foreach (var child in new[] { "box/sub", "box/sub/deeper" })
            Assert.Equal(["anyone lr", "bob lrsw"], (await Store.GetAclAsync(m, child)).Select(e => $"{e.Identifier} {MailboxRightsText.Format(e.Rights)}"));
        // A new top-level mailbox and INBOX start empty.
        await Store.CreateAsync(m, "top");
        Assert.Empty(await Store.GetAclAsync(m, "top"));
        Assert.Empty(await Store.GetAclAsync(m, "INBOX"));
    }

    [Theory]
    // §10 rows: who, domain, mailbox, expected MYRIGHTS
    [InlineData("postmaster", Main, "~alice/INBOX", "lrswipkxtecda")]
    [InlineData("postmaster", Main, "~dave@dept1.company.dom/INBOX", "lrswipkxtecda")]
    [InlineData("ops", Main, "~dave@dept1.company.dom/INBOX", "lrswipkxtecda")]
    [InlineData("dadmin", Dept, "~dave/INBOX", "lrswipkxtecda")]
    [InlineData("dadmin", Dept, "~alice@company.dom/INBOX", "")]
    [InlineData("dplain", Dept, "~dave/INBOX", "")]
    [InlineData("bob", Main, "~alice/INBOX", "")]
    [InlineData("alice", Main, "~alice/INBOX", "lrswipkxtecda")]
    [InlineData("alice", Main, "~alice@co.alias/INBOX", "lrswipkxtecda")]
    public async Task Administrator_rows(string who, string domain, string mailbox, string expected) =>
        Assert.Equal(expected, MailboxRightsText.Format(await Store.GetRightsAsync(U(who, domain), mailbox)));

    [Fact]
    public async Task Rights_are_read_again_on_every_call()
    {
        Assert.Equal(MailboxRights.All, await Store.GetRightsAsync(U("ops"), "~alice/INBOX"));
        Directory.Admin(A("ops"), AdminRights.None);
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(U("ops"), "~alice/INBOX")));
        await Store.SetAclAsync(U("alice"), "INBOX", "ops", "lr");
        Assert.Equal("lr", MailboxRightsText.Format(await Store.GetRightsAsync(U("ops"), "~alice/INBOX")));
        await Store.SetAclAsync(U("alice"), "INBOX", "ops", "-r");
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.GetStatusAsync(U("ops"), "~alice/INBOX")));
    }

    [Fact]
    public async Task System_principal_has_every_right_and_resolves_in_the_main_domain()
    {
        Assert.Equal(MailboxRights.All, await Store.GetRightsAsync(Principal.System, "~alice/INBOX"));
        Assert.Equal(MailboxRights.All, await Store.GetRightsAsync(Principal.System, "~dave@dept1.company.dom/INBOX"));
        Assert.Equal(MailboxRights.None, await Store.GetRightsAsync(Principal.System, "~dave/INBOX"));
        Assert.Equal(MailboxRights.None, await Store.GetRightsAsync(Principal.System, "INBOX"));
    }
}
