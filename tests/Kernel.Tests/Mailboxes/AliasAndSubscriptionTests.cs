using Kernel.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>Mailbox aliases (§7) and the subscription list (§6).</summary>
public sealed class AliasAndSubscriptionTests : IDisposable
{
    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static readonly Principal Bob = U("bob");

    [Fact]
    public async Task Sub_names_map_through_and_creating_under_an_alias_is_already_exists()
    {
        var m = U("marketing");
        await _bed.Store.CreateAsync(m, "announce");
        await _bed.Store.SetAclAsync(m, "announce", "anyone", "lrs");
        await _bed.Store.CreateAsync(m, "announce/2024");               // copies anyone lrs
        await _bed.Store.AppendAsync(m, "announce/2024", Message("old news"));
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "mkt-announce", "~marketing/announce");
        var status = await _bed.Store.GetStatusAsync(Bob, "mkt-announce/2024");
        Assert.Equal(("mkt-announce/2024", 1), (status.Name, status.Messages));
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => _bed.Store.CreateAsync(Bob, "mkt-announce")));
        Assert.Equal(MailboxError.AlreadyExists, await ErrorOf(() => _bed.Store.CreateAsync(Bob, "mkt-announce/new")));
    }

    [Fact]
    public async Task Alias_grants_nothing_and_is_noselect_when_the_target_cannot_be_opened()
    {
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "peek", "~alice/INBOX");
        var item = Assert.Single(await _bed.Store.ListAsync(Bob, "peek"));
        Assert.Equal(MailboxAttributes.Alias | MailboxAttributes.NoSelect | MailboxAttributes.HasNoChildren, item.Attributes);
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.GetStatusAsync(Bob, "peek")));
        // An own-name target works too.
        await _bed.Store.CreateAsync(Bob, "real");
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "short", "real");
        await _bed.Store.AppendAsync(Bob, "short", Message("via alias"));
        Assert.Equal(1, (await _bed.Store.GetStatusAsync(Bob, "real")).Messages);
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
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "x", target)));
    }

    [Fact]
    public async Task Alias_of_an_alias_is_not_followed()
    {
        await _bed.Store.CreateAsync(Bob, "real");
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "first", "real");
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "second", "first");
        Assert.Equal(MailboxRights.All, await _bed.Store.GetRightsAsync(Bob, "first"));
        Assert.Equal(MailboxRights.None, await _bed.Store.GetRightsAsync(Bob, "second"));
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
        await _bed.Store.CreateAsync(Bob, "existing");
        Assert.Equal(expected, await ErrorOf(() => _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), alias, "~marketing/INBOX")));
        Assert.Empty(await _bed.Store.ListMailboxAliasesAsync(Bob, A("bob")));
    }

    [Fact]
    public async Task Aliases_are_managed_by_the_account_or_an_administrator_at_most_100()
    {
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.SetMailboxAliasAsync(U("alice"), A("bob"), "x", "~alice/INBOX")));
        for (var i = 0; i < 100; i++) await _bed.Store.SetMailboxAliasAsync(Principal.System, A("bob"), $"a{i}", "~marketing/INBOX");
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "one-more", "~marketing/INBOX")));
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "a0", "~public/INBOX");   // retargeting is not a new alias
        Assert.Equal("~public/INBOX", (await _bed.Store.ListMailboxAliasesAsync(Bob, A("bob")))[0].Target);
        await _bed.Store.RemoveMailboxAliasAsync(U("ops"), A("bob"), "a0");
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.RemoveMailboxAliasAsync(Bob, A("bob"), "a0")));
        Assert.Equal(99, (await _bed.Store.ListMailboxAliasesAsync(Bob, A("bob"))).Count);
    }

    [Fact]
    public async Task Subscription_list_keeps_order_case_and_no_duplicates_and_is_never_edited_by_mailbox_changes()
    {
        await _bed.Store.CreateAsync(Bob, "Work");
        foreach (var name in new[] { "inbox", "Work", "work", "Work", "INBOX" }) await _bed.Store.SubscribeAsync(Bob, A("bob"), name);
        Assert.Equal(["INBOX", "Work", "work"], await _bed.Store.ListSubscriptionsAsync(Bob, A("bob")));
        await _bed.Store.RenameAsync(Bob, "Work", "Play");
        await _bed.Store.DeleteAsync(Bob, "Play");
        Assert.Equal(["INBOX", "Work", "work"], await _bed.Store.ListSubscriptionsAsync(Bob, A("bob")));
        await _bed.Store.UnsubscribeAsync(Bob, A("bob"), "Work");
        Assert.Equal(["INBOX", "work"], await _bed.Store.ListSubscriptionsAsync(Bob, A("bob")));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.SubscribeAsync(Bob, A("bob"), "a//b")));
    }

    [Fact]
    public async Task Account_removal_takes_mailboxes_subscriptions_and_aliases()
    {
        await _bed.Store.SubscribeAsync(Bob, A("bob"), "INBOX");
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "x", "~alice/INBOX");
        _bed.RemoveAccount(A("bob"));
        Assert.Empty(await _bed.Store.ListSubscriptionsAsync(Principal.System, A("bob")));
        Assert.Empty(await _bed.Store.ListMailboxAliasesAsync(Principal.System, A("bob")));
        Assert.Empty(await _bed.Store.ListAsync(Principal.System, "~bob/*"));
    }
}
