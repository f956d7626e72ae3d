using Kernel.Abstractions;
using Kernel.Testing.Stores;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

// The §5.4 command table: which right each operation needs and which code it answers without it.
public abstract partial class MailboxStoreContract<TProvider>
{
    private async Task BoxWithAcl(string name, string? bobRights)
    {
        await Store.CreateAsync(Marketing, name);
        if (bobRights is not null) await Store.SetAclAsync(Marketing, name, "bob", bobRights);
    }

    [Theory]
    [InlineData(null, MailboxError.NonExistent)]   // invisible
    [InlineData("l", MailboxError.NoPerm)]         // visible, no r
    [InlineData("i", MailboxError.NonExistent)]    // a drop box is not visible
    public async Task Select_needs_r(string? rights, MailboxError expected)
    {
        await BoxWithAcl("box", rights);
        Assert.Equal(expected, await ErrorOf(() => Store.GetStatusAsync(Bob, "~marketing/box")));
        Assert.Equal(expected, await ErrorOf(() => Store.FetchAsync(Bob, "~marketing/box", UidSet.All)));
    }

    [Theory]
    [InlineData(null, "~marketing/box", MailboxError.NonExistent)]
    [InlineData("lr", "~marketing/box", MailboxError.NoPerm)]
    [InlineData(null, "~marketing/absent", MailboxError.NonExistent)]
    [InlineData(null, "absent", MailboxError.TryCreate)]
    public async Task Append_needs_i(string? rights, string target, MailboxError expected)
    {
        await BoxWithAcl("box", rights);
        Assert.Equal(expected, await ErrorOf(() => Store.AppendAsync(Bob, target, Message("x"))));
    }

    [Fact]
    public async Task An_insert_only_drop_box_takes_mail_while_invisible()
    {
        await BoxWithAcl("dropbox", "i");
        var appended = await Store.AppendAsync(Bob, "~marketing/dropbox", Message("homework"), MessageFlags.Flagged | MessageFlags.Seen);
        Assert.Equal(1u, appended.Uid);
        Assert.Equal("i", MailboxRightsText.Format(await Store.GetRightsAsync(Bob, "~marketing/dropbox")));
        Assert.Empty(await Store.ListAsync(Bob, "~marketing/*"));
        // Flags bob may not set on the target were dropped (§5.3).
        Assert.Equal(MessageFlags.None, (await Store.FetchAsync(Marketing, "dropbox", UidSet.All))[0].Flags);
    }

    [Fact]
    public async Task Copy_needs_r_on_source_i_on_target_and_move_needs_d()
    {
        await BoxWithAcl("src", "lr");
        await Store.AppendAsync(Marketing, "src", Message("a"));
        await Store.CopyAsync(Bob, "~marketing/src", UidSet.All, "INBOX", move: false);
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.CopyAsync(Bob, "~marketing/src", UidSet.All, "INBOX", move: true)));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.CopyAsync(Bob, "INBOX", UidSet.All, "~marketing/src", move: false)));
        Assert.Equal(MailboxError.TryCreate, await ErrorOf(() => Store.CopyAsync(Bob, "INBOX", UidSet.All, "nothere", move: false)));
        await Store.SetAclAsync(Marketing, "src", "bob", "lrted");
        var moved = await Store.CopyAsync(Bob, "~marketing/src", UidSet.All, "INBOX", move: true);
        Assert.Equal([2u], moved.TargetUids);
        Assert.Equal(0, (await Store.GetStatusAsync(Marketing, "src")).Messages);
    }

    [Theory]
    [InlineData("lrk", "~marketing/p/new", null)]
    [InlineData("lr", "~marketing/p/new", MailboxError.NoPerm)]
    [InlineData(null, "~marketing/p/new", MailboxError.NonExistent)]
    [InlineData("lrk", "~marketing/new", MailboxError.NoPerm)]          // top level: owner or administrator only
    [InlineData("lrk", "~marketing/nothere/new", MailboxError.NonExistent)]
    public async Task Create_foreign_needs_c_on_the_parent(string? rights, string name, MailboxError? expected)
    {
        await BoxWithAcl("p", rights);
        if (expected is null)
        {
            await Store.CreateAsync(Bob, name);
            Assert.Contains(await Store.ListAsync(Marketing, "*"), i => i.Name == "p/new");
        }
        else
        {
            Assert.Equal(expected, await ErrorOf(() => Store.CreateAsync(Bob, name)));
        }
    }

    [Theory]
    [InlineData("lrk", "lrx", null)]
    [InlineData("lr", "lrx", MailboxError.NoPerm)]          // no c on the parent
    [InlineData("lrk", "lr", MailboxError.NoPerm)]          // no d on the mailbox
    [InlineData("lrk", null, MailboxError.NonExistent)]     // invisible
    public async Task Delete_foreign_needs_c_on_parent_and_d_on_the_mailbox(string? parentRights, string? childRights, MailboxError? expected)
    {
        await Store.CreateAsync(Marketing, "p");
        await Store.CreateAsync(Marketing, "p/box");
        if (parentRights is not null) await Store.SetAclAsync(Marketing, "p", "bob", parentRights);
        if (childRights is not null) await Store.SetAclAsync(Marketing, "p/box", "bob", childRights);
        if (expected is null)
        {
            await Store.DeleteAsync(Bob, "~marketing/p/box");
            Assert.DoesNotContain(await Store.ListAsync(Marketing, "*"), i => i.Name == "p/box");
        }
        else
        {
            Assert.Equal(expected, await ErrorOf(() => Store.DeleteAsync(Bob, "~marketing/p/box")));
        }
    }

    [Fact]
    public async Task Foreign_top_level_delete_is_for_owner_or_administrator()
    {
        await BoxWithAcl("box", "lrxk");
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.DeleteAsync(Bob, "~marketing/box")));
        await Store.DeleteAsync(U("ops"), "~marketing/box");
        Assert.Equal(MailboxRights.None, await Store.GetRightsAsync(Marketing, "box"));
    }

    [Fact]
    public async Task Expunge_needs_d_and_store_checks_each_flag()
    {
        await BoxWithAcl("box", "lrw");
        await Store.AppendAsync(Marketing, "box", Message("a"), MessageFlags.Deleted);
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.ExpungeAsync(Bob, "~marketing/box")));
        Assert.Equal(1, (await Store.GetStatusAsync(Marketing, "box")).Messages);
        // w allows \Flagged but not \Seen or \Deleted: allowed flags change, the others stay as they are.
        var result = await Store.StoreFlagsAsync(Bob, "~marketing/box", UidSet.All, new(FlagChangeMode.Replace, MessageFlags.Flagged | MessageFlags.Seen, ["$work"]));
        Assert.Equal(MessageFlags.Flagged | MessageFlags.Deleted, result.Updated[0].Flags);
        Assert.Equal(["$work"], result.Updated[0].Keywords);
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.StoreFlagsAsync(Bob, "~marketing/box", UidSet.All, new(FlagChangeMode.Remove, MessageFlags.Deleted, []))));
    }

    [Fact]
    public async Task Acl_commands_need_a()
    {
        await BoxWithAcl("box", "lr");
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.GetAclAsync(Bob, "~marketing/box")));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.SetAclAsync(Bob, "~marketing/box", "bob", "lrswipkxtecda")));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.DeleteAclAsync(Bob, "~marketing/box", "bob")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetAclAsync(U("alice"), "~marketing/box")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.SetAclAsync(U("alice"), "~marketing/box", "alice", "lr")));
        Assert.Equal("lr", MailboxRightsText.Format(await Store.GetRightsAsync(Bob, "~marketing/box")));
    }

    [Fact]
    public async Task Subscribe_and_unsubscribe_codes()
    {
        await Store.SubscribeAsync(Bob, A("bob"), "does/not/exist/yet");
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.SubscribeAsync(Bob, A("bob"), "~alice/INBOX")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.UnsubscribeAsync(Bob, A("bob"), "never")));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.SubscribeAsync(Bob, A("alice"), "INBOX")));
        await Store.SubscribeAsync(U("ops"), A("alice"), "INBOX");
        await Store.SubscribeAsync(Principal.System, A("alice"), "Sent");
        Assert.Equal(["INBOX", "Sent"], await Store.ListSubscriptionsAsync(U("alice"), A("alice")));
    }

    [Fact]
    public async Task Rename_across_accounts_is_cannot()
    {
        await BoxWithAcl("box", null);
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.RenameAsync(U("ops"), "~marketing/box", "~alice/box")));
    }
}
