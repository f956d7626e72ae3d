using Kernel.Abstractions;
using Kernel.Testing.Stores;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

// Mailbox aliases (§7) and the subscription list (§6).
public abstract partial class MailboxStoreContract<TProvider>
{
    [Fact]
    public async Task Sub_names_map_through_and_creating_under_an_alias_is_already_exists()
    {
        var m = U("marketing");
        await Store.CreateAsync(m, "announce");
        await Store.SetAclAsync(m, "announce", "anyone", "lrs");
        await Store.CreateAsync(m, "announce/2024");               // copies anyone lrs
        await Store.AppendAsync(m, "announce/2024", Message("old news"));
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "mkt-announce", "~marketing/announce");
        var status = await Store.GetStatusAsync(Bob, "mkt-announce/2024");
        Assert.Equal(("mkt-announce/2024", 1), (status.Name, status.Messages));
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => Store.CreateAsync(Bob, "mkt-announce")));
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => Store.CreateAsync(Bob, "mkt-announce/new")));
    }

    [Fact]
    public async Task Alias_grants_nothing_and_is_noselect_when_the_target_cannot_be_opened()
    {
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "peek", "~alice/INBOX");
        var item = Assert.Single(await Store.ListAsync(Bob, "peek"));
        Assert.Equal(MailboxAttributes.Alias | MailboxAttributes.NoSelect | MailboxAttributes.HasNoChildren, item.Attributes);
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.GetStatusAsync(Bob, "peek")));
        // An own-name target works too.
        await Store.CreateAsync(Bob, "real");
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "short", "real");
        await Store.AppendAsync(Bob, "short", Message("via alias"));
        Assert.Equal(1, (await Store.GetStatusAsync(Bob, "real")).Messages);
    }

    [Theory]
    [InlineData("~/box")]          // §3: empty account part
    [InlineData("~a b/box")]       // §2.2: not an object name
    [InlineData("~*/box")]         // §5.2: never a wildcard
    [InlineData("~alice@-bad/box")]
    public async Task Alias_target_with_an_impossible_account_part_is_refused(string target)
    {
        // Issue 9 §1: the alias check had its own '~' rule (only "a '/' after the first character"), so a target no
        // resolution could ever reach was stored; the one parser refuses it as every other place does.
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.SetMailboxAliasAsync(Bob, A("bob"), "x", target)));
    }

    [Fact]
    public async Task Alias_of_an_alias_is_not_followed()
    {
        await Store.CreateAsync(Bob, "real");
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "first", "real");
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "second", "first");
        Assert.Equal(MailboxRights.All, await Store.GetRightsAsync(Bob, "first"));
        Assert.Equal(MailboxRights.None, await Store.GetRightsAsync(Bob, "second"));
    }

    [Theory]
    [InlineData("INBOX", MailboxError.Cannot)]
    [InlineData("inbox/x", MailboxError.Cannot)]
    [InlineData("~x/y", MailboxError.Cannot)]
    [InlineData("a//b", MailboxError.Cannot)]
    [InlineData("existing", MailboxError.AlreadyExists)]
    [InlineData("existing/under", MailboxError.AlreadyExists)]
    public async Task Alias_name_rules(string alias, MailboxError expected)
    {
        await Store.CreateAsync(Bob, "existing");
        Assert.Equal(expected, await ErrorOf(() => Store.SetMailboxAliasAsync(Bob, A("bob"), alias, "~marketing/INBOX")));
        Assert.Empty(await Store.ListMailboxAliasesAsync(Bob, A("bob")));
    }

    [Fact]
    public async Task Aliases_are_managed_by_the_account_or_an_administrator_at_most_100()
    {
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => Store.SetMailboxAliasAsync(U("alice"), A("bob"), "x", "~alice/INBOX")));
        for (var i = 0; i < 100; i++) await Store.SetMailboxAliasAsync(Principal.System, A("bob"), $"a{i}", "~marketing/INBOX");
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.SetMailboxAliasAsync(Bob, A("bob"), "one-more", "~marketing/INBOX")));
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "a0", "~public/INBOX");   // retargeting is not a new alias
        Assert.Equal("~public/INBOX", (await Store.ListMailboxAliasesAsync(Bob, A("bob")))[0].Target);
        await Store.RemoveMailboxAliasAsync(U("ops"), A("bob"), "a0");
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => Store.RemoveMailboxAliasAsync(Bob, A("bob"), "a0")));
        Assert.Equal(99, (await Store.ListMailboxAliasesAsync(Bob, A("bob"))).Count);
    }

    [Fact]
    public async Task Subscription_list_keeps_order_case_and_no_duplicates_and_is_never_edited_by_mailbox_changes()
    {
        await Store.CreateAsync(Bob, "Work");
        foreach (var name in new[] { "inbox", "Work", "work", "Work", "INBOX" }) await Store.SubscribeAsync(Bob, A("bob"), name);
        Assert.Equal(["INBOX", "Work", "work"], await Store.ListSubscriptionsAsync(Bob, A("bob")));
        await Store.RenameAsync(Bob, "Work", "Play");
        await Store.DeleteAsync(Bob, "Play");
        Assert.Equal(["INBOX", "Work", "work"], await Store.ListSubscriptionsAsync(Bob, A("bob")));
        await Store.UnsubscribeAsync(Bob, A("bob"), "Work");
        Assert.Equal(["INBOX", "work"], await Store.ListSubscriptionsAsync(Bob, A("bob")));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => Store.SubscribeAsync(Bob, A("bob"), "a//b")));
    }

    [Fact]
    public async Task Account_removal_takes_mailboxes_subscriptions_and_aliases()
    {
        await Store.SubscribeAsync(Bob, A("bob"), "INBOX");
        await Store.SetMailboxAliasAsync(Bob, A("bob"), "x", "~alice/INBOX");
        RemoveAccount(A("bob"));
        Assert.Empty(await Store.ListSubscriptionsAsync(Principal.System, A("bob")));
        Assert.Empty(await Store.ListMailboxAliasesAsync(Principal.System, A("bob")));
        Assert.Empty(await Store.ListAsync(Principal.System, "~bob/*"));
    }
}
