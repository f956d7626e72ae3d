using Kernel.Abstractions;
using Kernel.Testing.Stores;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

// Own names (§2.1), facets, INBOX rules (§1), rename, foreign-name resolution (§3) and LIST (§5.2).
public abstract partial class MailboxStoreContract<TProvider>
{
    public static TheoryData<string, bool> Names => new()
    {
        { "work", true },
        { "work/2024/q1", true },
        { "Ünïcode name", true },
        { "a//b", false },
        { "/a", false },
        { "a/./b", false },
        { "a/../b", false },
        { ".", false },
        { "~other", false },
        { "bad\u0001control", false },
        { new string('x', 255), true },
        { new string('x', 256), false },
        { new string('é', 128), false },                     // 256 bytes of UTF-8
        { string.Join('/', Enumerable.Repeat("l", 32)), true },
        { string.Join('/', Enumerable.Repeat("l", 33)), false },
        { string.Join('/', Enumerable.Repeat(new string('y', 200), 6)), false }, // more than 1,024 bytes in all
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Name_rules(string name, bool valid)
    {
        if (valid)
        {
            await Store.CreateAsync(Alice, name);
            Assert.Contains(await Store.ListAsync(Alice, "*"), i => i.Name == name);
        }
        else
        {
            Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.CreateAsync(Alice, name)));
        }
    }

    [Fact]
    public async Task Directory_and_store_facets()
    {
        await Store.CreateAsync(Alice, "X/");
        Assert.Equal(MailboxAttributes.NoSelect | MailboxAttributes.HasNoChildren, Assert.Single(await Store.ListAsync(Alice, "X")).Attributes);
        Assert.Equal(MailboxError.TryCreate, await ErrorOf(() => Store.AppendAsync(Alice, "X", Message("m"))));
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => Store.CreateAsync(Alice, "X/")));
        await Store.CreateAsync(Alice, "X");
        await Store.AppendAsync(Alice, "X", Message("m"));

        await Store.CreateAsync(Alice, "A/B");
        Assert.Equal(MailboxAttributes.NoSelect | MailboxAttributes.HasChildren, Assert.Single(await Store.ListAsync(Alice, "A")).Attributes);
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => Store.CreateAsync(Alice, "A/B")));

        // Deleting a name with children removes only its store facet; it stays as \Noselect.
        await Store.CreateAsync(Alice, "X/child");
        await Store.DeleteAsync(Alice, "X");
        Assert.Equal(MailboxAttributes.NoSelect | MailboxAttributes.HasChildren, Assert.Single(await Store.ListAsync(Alice, "X")).Attributes);
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.DeleteAsync(Alice, "X")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.DeleteAsync(Alice, "nothing")));
    }

    [Fact]
    public async Task Inbox_is_case_insensitive_cannot_be_deleted_and_rename_moves_its_content()
    {
        await Store.AppendAsync(Alice, "inbox", Message("one"));
        await Store.AppendAsync(Alice, "InBox", Message("two"));
        await Store.CreateAsync(Alice, "INBOX/sub");
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.DeleteAsync(Alice, "INBOX")));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.DeleteAsync(U("ops"), "~alice/INBOX")));
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => Store.CreateAsync(Alice, "inbox")));
        var before = await Store.GetStatusAsync(Alice, "INBOX");

        await Store.RenameAsync(Alice, "INBOX", "old-mail");
        var moved = await Store.GetStatusAsync(Alice, "old-mail");
        Assert.Equal((2, before.UidValidity), (moved.Messages, moved.UidValidity));
        var inbox = await Store.GetStatusAsync(Alice, "INBOX");
        Assert.Equal(0, inbox.Messages);
        Assert.NotEqual(before.UidValidity, inbox.UidValidity);
        Assert.Contains(await Store.ListAsync(Alice, "*"), i => i.Name == "INBOX/sub");
    }

    [Fact]
    public async Task Rename_moves_children_and_refuses_existing_or_inner_targets()
    {
        await Store.CreateAsync(Alice, "a/b/c");
        await Store.CreateAsync(Alice, "a/b");                  // the directory facet gains its store facet
        await Store.AppendAsync(Alice, "a/b", Message("m"));
        await Store.CreateAsync(Alice, "taken");
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => Store.RenameAsync(Alice, "a", "taken")));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.RenameAsync(Alice, "a", "a/b/x")));
        await Store.RenameAsync(Alice, "a", "z/y");
        Assert.Equal(["INBOX", "taken", "z", "z/y", "z/y/b", "z/y/b/c"], (await Store.ListAsync(Alice, "*")).Select(i => i.Name));
        Assert.Equal(1, (await Store.GetStatusAsync(Alice, "z/y/b")).Messages);
    }

    [Fact]
    public async Task Uidvalidity_is_new_when_a_name_is_created_again()
    {
        await Store.CreateAsync(Alice, "box");
        var first = (await Store.GetStatusAsync(Alice, "box")).UidValidity;
        await Store.DeleteAsync(Alice, "box");
        await Store.CreateAsync(Alice, "box");
        Assert.NotEqual(first, (await Store.GetStatusAsync(Alice, "box")).UidValidity);
    }

    [Fact]
    public async Task Foreign_names_resolve_through_the_router_with_account_and_domain_aliases()
    {
        Directory.Alias(A("mkt"), A("marketing"));
        Directory.DomainAlias("co.alias", Main);
        await Store.CreateAsync(U("marketing"), "announce");
        await Store.SetAclAsync(U("marketing"), "announce", "anyone", "lrs");
        foreach (var name in new[] { "~mkt/announce", "~marketing@company.dom/announce", "~mkt@co.alias/announce", "~MARKETING/announce" })
            Assert.Equal(name, (await Store.GetStatusAsync(Alice, name)).Name); // echoed as typed
        // ~me/box is the user's own box, with owner rights.
        await Store.CreateAsync(Alice, "mine");
        Assert.Equal(MailboxRights.All, await Store.GetRightsAsync(Alice, "~alice/mine"));
        Assert.Equal(MailboxRights.None, await Store.GetRightsAsync(Alice, "~/mine"));
        Assert.Equal(MailboxRights.None, await Store.GetRightsAsync(Alice, "~alice"));
    }

    [Fact]
    public async Task List_foreign_never_expands_the_account_part_and_shows_hidden_parents_as_noselect()
    {
        var m = U("marketing");
        await Store.CreateAsync(m, "hidden/shown");
        await Store.CreateAsync(m, "secret");
        await Store.SetAclAsync(m, "hidden/shown", "bob", "lr");
        Assert.Empty(await Store.ListAsync(U("bob"), "~*"));
        Assert.Empty(await Store.ListAsync(U("bob"), "~%"));
        Assert.Empty(await Store.ListAsync(U("bob"), "~m*/hidden"));
        Assert.Equal(["~marketing/hidden/shown"], (await Store.ListAsync(U("bob"), "~marketing/*")).Select(i => i.Name));
        var top = Assert.Single(await Store.ListAsync(U("bob"), "~marketing/%"));
        Assert.Equal(("~marketing/hidden", MailboxAttributes.NoSelect | MailboxAttributes.HasChildren), (top.Name, top.Attributes));
        // Own LIST never shows foreign mailboxes; an administrator lists all of an account's mailboxes.
        Assert.DoesNotContain(await Store.ListAsync(U("bob"), "*"), i => i.Name.Contains("hidden"));
        Assert.Equal(["~marketing/INBOX", "~marketing/hidden", "~marketing/hidden/shown", "~marketing/secret"],
            (await Store.ListAsync(U("ops"), "~marketing/*")).Select(i => i.Name));
    }

    [Fact]
    public async Task List_wildcards_and_counts()
    {
        await Store.CreateAsync(Alice, "a/b/c");
        await Store.AppendAsync(Alice, "a/b/c", Message("m"));
        Assert.Equal(["INBOX", "a"], (await Store.ListAsync(Alice, "%")).Select(i => i.Name));
        Assert.Equal(["a/b"], (await Store.ListAsync(Alice, "a/%")).Select(i => i.Name));
        Assert.Equal(["a/b", "a/b/c"], (await Store.ListAsync(Alice, "a/*")).Select(i => i.Name));
        Assert.Equal(1, Assert.Single(await Store.ListAsync(Alice, "*/c")).MessageCount);
        Assert.Equal("INBOX", Assert.Single(await Store.ListAsync(Alice, "inbox")).Name);
    }
}
