using Kernel.Abstractions;
using Kernel.Testing.Stores;

namespace Kernel.Tests.Accounts;

/// <summary>
/// The account store's contract (design.md "Tests in layers"): every case runs against every storage provider. A
/// provider's test class derives from this with its <see cref="StoreProvider"/> and answers the few questions only
/// its storage can (<see cref="AssertNothingStoredFor"/>); provider-specific cases live in that class.
/// </summary>
public abstract class AccountStoreContract<TProvider> : IDisposable where TProvider : StoreProvider, new()
{
    protected AccountStoreContract()
    {
        Provider = new TProvider();
        Lifecycle = new RecordingLifecycle(AccountRowExists);
        Store = Provider.CreateAccountStore(Bus, [Lifecycle]);
    }

    protected TProvider Provider { get; }

    protected RecordingBus Bus { get; } = new();

    protected RecordingLifecycle Lifecycle { get; }

    protected IAccountStore Store { get; }

    public void Dispose()
    {
        Provider.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Beneath the API, outside any transaction: whether the account's own row is in storage (what a lifecycle hook could see).</summary>
    protected abstract bool AccountRowExists(AccountAddress account);

    /// <summary>Beneath the API: no directory object, group member or setting of <paramref name="domain"/> is left in storage.</summary>
    protected abstract void AssertNothingStoredFor(string domain);

    protected static AccountAddress A(string text) => AccountAddress.TryParse(text, null, out var a) ? a! : new AccountAddress(text.Split('@')[0], text.Split('@')[1]);

    protected static async Task<DirectoryError> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<DirectoryException>(action)).Error;

    // ------------------------------------------------------------------ Domains and the Main Domain

    [Fact]
    public async Task The_Main_Domain_is_the_first_domain_created_until_the_setting_names_another()
    {
        Assert.Null(await Store.GetMainDomainAsync());
        await Store.CreateDomainAsync("Main.DOM");
        await Store.CreateDomainAsync("second.dom");
        Assert.Equal("main.dom", await Store.GetMainDomainAsync());

        await Store.SetSettingAsync(SettingScope.Server, SettingKeys.MainDomain, "SECOND.dom");
        Assert.Equal("second.dom", await Store.GetMainDomainAsync());
        var domains = await Store.ListDomainsAsync();
        Assert.Equal(["main.dom", "second.dom"], domains.Select(d => d.Name));
        Assert.Equal([false, true], domains.Select(d => d.IsMain));

        // Removing the named Main Domain clears the setting: the oldest remaining domain takes over.
        await Store.DeleteDomainAsync("second.dom");
        Assert.Equal("main.dom", await Store.GetMainDomainAsync());
        Assert.Null(await Store.GetSettingAsync(SettingScope.Server, SettingKeys.MainDomain));
    }

    [Fact]
    public async Task The_Main_Domain_setting_must_name_an_existing_domain()
    {
        await Store.CreateDomainAsync("main.dom");
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetSettingAsync(SettingScope.Server, SettingKeys.MainDomain, "nowhere.dom")));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetSettingAsync(SettingScope.Server, SettingKeys.MainDomain, "bad domain")));
        Assert.Null(await Store.GetSettingAsync(SettingScope.Server, SettingKeys.MainDomain));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad domain")]
    [InlineData("-lead.dom")]
    [InlineData("a..b")]
    [InlineData("tilde~.dom")]
    public async Task A_malformed_domain_name_is_refused(string name)
    {
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.CreateDomainAsync(name)));
        Assert.Empty(await Store.ListDomainsAsync());
    }

    [Fact]
    public async Task Domain_names_are_case_insensitive_and_unique_across_domains_and_aliases()
    {
        await Store.CreateDomainAsync("test.dom");
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.CreateDomainAsync("TEST.dom")));
        await Store.AddDomainAliasAsync("test.dom", "Mail.Test.DOM");
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.CreateDomainAsync("mail.test.dom")));
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.AddDomainAliasAsync("test.dom", "test.dom")));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.AddDomainAliasAsync("other.dom", "x.dom")));

        Assert.Equal("test.dom", await Store.ResolveDomainAsync("MAIL.test.dom"));
        Assert.Equal("test.dom", await Store.ResolveDomainAsync("Test.Dom"));
        Assert.Null(await Store.ResolveDomainAsync("other.dom"));
        Assert.Null(await Store.ResolveDomainAsync("not a domain"));
        Assert.Equal(["mail.test.dom"], (await Store.ListDomainsAsync()).Single().Aliases);

        await Store.RemoveDomainAliasAsync("mail.test.dom");
        Assert.Null(await Store.ResolveDomainAsync("mail.test.dom"));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.RemoveDomainAliasAsync("mail.test.dom")));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.DeleteDomainAsync("gone.dom")));
    }

    [Fact]
    public async Task Removing_a_domain_removes_every_account_through_the_lifecycle_and_every_object_and_setting()
    {
        await Store.CreateDomainAsync("main.dom");
        await Store.CreateDomainAsync("test.dom");
        await Store.AddDomainAliasAsync("test.dom", "alias.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");
        await Store.CreateAccountAsync(A("bob@test.dom"), "pw");
        await Store.CreateAccountAsync(A("boss@main.dom"), "pw");
        await Store.AddAliasAsync(A("al@test.dom"), A("alice@test.dom"));
        await Store.SetForwarderAsync(A("fw@test.dom"), "x@elsewhere.dom");
        await Store.CreateGroupAsync(A("team@test.dom"), GroupKind.Group);
        await Store.SetGroupMembersAsync(A("team@test.dom"), ["alice", "bob"]);
        await Store.SetSettingAsync(SettingScope.ForDomain("test.dom"), "X", "1");
        await Store.SetSettingAsync(SettingScope.ForTemplate("test.dom"), "Y", "2");
        await Store.SetSettingAsync(SettingScope.ForAccount(A("alice@test.dom")), "Z", "3");

        await Store.DeleteDomainAsync("TEST.dom");

        Assert.Equal(["alice@test.dom", "bob@test.dom"], Lifecycle.Removing.Select(r => r.Account.ToString()).Order());
        Assert.All(Lifecycle.Removing, r => Assert.True(r.RowVisible));
        Assert.Equal(["alice@test.dom", "bob@test.dom"], Lifecycle.Removed.Select(r => r.Account.ToString()).Order());
        Assert.All(Lifecycle.Removed, r => Assert.False(r.RowVisible));
        Assert.Equal(2, Bus.Of<AccountChanged>().Count(e => e.Change == AccountChange.Removed));
        Assert.Equal(["main.dom"], (await Store.ListDomainsAsync()).Select(d => d.Name));
        Assert.Null(await Store.ResolveDomainAsync("alias.dom"));
        AssertNothingStoredFor("test.dom");
        Assert.NotNull(await Store.GetAccountAsync(A("boss@main.dom")));

        // The name can be used again and starts empty.
        await Store.CreateDomainAsync("test.dom");
        Assert.Empty(await Store.ListAccountsAsync("test.dom"));
        Assert.Null(await Store.GetSettingAsync(SettingScope.ForDomain("test.dom"), "X"));
    }

    // ------------------------------------------------------------------ Accounts

    [Fact]
    public async Task Account_names_are_case_insensitive_and_stored_lower_case()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(new AccountAddress("Alice", "TEST.dom"), "pw", "Alice Liddell");
        var info = await Store.GetAccountAsync(new AccountAddress("ALICE", "Test.Dom"));
        Assert.NotNull(info);
        Assert.Equal("alice@test.dom", info.Address.ToString());
        Assert.Equal("Alice Liddell", info.RealName);
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.CreateAccountAsync(A("aLiCe@test.dom"), "pw")));
        Assert.Equal(["alice@test.dom"], (await Store.ListAccountsAsync("TEST.DOM")).Select(a => a.Address.ToString()));
        Assert.Equal(AccountChange.Created, Bus.Of<AccountChanged>().Single().Change);
    }

    [Theory]
    [InlineData(".alice", "test.dom", DirectoryError.InvalidName)]
    [InlineData("alice.", "test.dom", DirectoryError.InvalidName)]
    [InlineData("al ice", "test.dom", DirectoryError.InvalidName)]
    [InlineData("al%ice", "test.dom", DirectoryError.InvalidName)]
    [InlineData("", "test.dom", DirectoryError.InvalidName)]
    [InlineData("alice", "bad..dom", DirectoryError.InvalidName)]
    [InlineData("alice", "unknown.dom", DirectoryError.NotFound)]
    public async Task A_bad_account_name_or_domain_is_refused_and_nothing_is_written(string name, string domain, DirectoryError expected)
    {
        await Store.CreateDomainAsync("test.dom");
        var e = await Assert.ThrowsAsync<DirectoryException>(() => Store.CreateAccountAsync(new AccountAddress(name, domain), "pw"));
        Assert.Equal(expected, e.Error);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(await Store.ListAccountsAsync("test.dom"));
        Assert.Empty(Lifecycle.Creating);
    }

    [Fact]
    public async Task A_name_of_129_characters_is_refused_and_128_accepted()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(new AccountAddress(new string('a', 128), "test.dom"), null);
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.CreateAccountAsync(new AccountAddress(new string('b', 129), "test.dom"), null)));
    }

    [Fact]
    public async Task An_account_created_under_a_domain_alias_belongs_to_the_real_domain()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.AddDomainAliasAsync("test.dom", "mail.test.dom");
        await Store.CreateAccountAsync(A("alice@mail.test.dom"), "pw");
        Assert.Equal("alice@test.dom", Lifecycle.Creating.Single().Account.ToString());
        Assert.Equal("alice@test.dom", (await Store.GetAccountAsync(A("alice@mail.test.dom")))!.Address.ToString());
    }

    [Fact]
    public async Task Creating_an_account_calls_every_lifecycle_inside_the_transaction_with_the_template_lists()
    {
        await Store.CreateDomainAsync("test.dom");
        var template = SettingScope.ForTemplate("test.dom");
        await Store.SetSettingAsync(template, SettingKeys.TemplateMailboxes, "Sent, Drafts ,,Trash");
        await Store.SetSettingAsync(template, SettingKeys.TemplateMailboxAliases, "Shared=~boss/Shared, News=~news/INBOX");
        // Inherited from the server scope: the template reads with inheritance.
        await Store.SetSettingAsync(SettingScope.Server, SettingKeys.TemplateSubscriptions, "~boss/Shared");

        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");

        var (account, lists, visible) = Lifecycle.Creating.Single();
        Assert.Equal("alice@test.dom", account.ToString());
        Assert.True(visible);
        Assert.Equal(["Sent", "Drafts", "Trash"], lists.Mailboxes);
        Assert.Equal(["~boss/Shared"], lists.Subscriptions);
        Assert.Equal([new("Shared", "~boss/Shared"), new KeyValuePair<string, string>("News", "~news/INBOX")], lists.MailboxAliases);
    }

    [Fact]
    public async Task Without_a_template_the_lists_are_empty()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), null);
        var lists = Lifecycle.Creating.Single().Template;
        Assert.Empty(lists.Mailboxes);
        Assert.Empty(lists.Subscriptions);
        Assert.Empty(lists.MailboxAliases);
    }

    [Fact]
    public async Task A_lifecycle_that_fails_leaves_no_account_behind()
    {
        await Store.CreateDomainAsync("test.dom");
        Lifecycle.ThrowOnCreating = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.CreateAccountAsync(A("alice@test.dom"), "pw", "Alice"));
        Assert.Null(await Store.GetAccountAsync(A("alice@test.dom")));
        Assert.Null(await Store.FindObjectAsync(A("alice@test.dom")));
        Assert.Empty(Bus.Of<AccountChanged>());
        Lifecycle.ThrowOnCreating = false;
        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");
    }

    [Fact]
    public async Task A_malformed_template_alias_list_refuses_the_account_with_a_clear_line()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.SetSettingAsync(SettingScope.ForTemplate("test.dom"), SettingKeys.TemplateMailboxAliases, "NoEqualsSign");
        var e = await Assert.ThrowsAsync<DirectoryException>(() => Store.CreateAccountAsync(A("alice@test.dom"), "pw"));
        Assert.Contains(SettingKeys.TemplateMailboxAliases, e.Message);
        Assert.Null(await Store.GetAccountAsync(A("alice@test.dom")));
    }

    [Fact]
    public async Task Removing_an_account_runs_the_hooks_in_order_and_takes_its_aliases_and_settings()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");
        await Store.AddAliasAsync(A("al@test.dom"), A("alice@test.dom"));
        await Store.SetSettingAsync(SettingScope.ForAccount(A("alice@test.dom")), "Color", "blue");

        await Store.DeleteAccountAsync(A("ALICE@test.dom"));

        Assert.True(Lifecycle.Removing.Single().RowVisible);
        Assert.False(Lifecycle.Removed.Single().RowVisible);
        Assert.Null(await Store.FindObjectAsync(A("al@test.dom")));
        Assert.Contains(Bus.Of<AccountChanged>(), e => e.Change == AccountChange.Removed && e.Account.ToString() == "alice@test.dom");
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.DeleteAccountAsync(A("alice@test.dom"))));

        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");
        Assert.Empty(await Store.GetOwnSettingsAsync(SettingScope.ForAccount(A("alice@test.dom"))));
    }

    [Fact]
    public async Task Only_an_account_can_be_removed_as_an_account()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateGroupAsync(A("team@test.dom"), GroupKind.Group);
        var e = await Assert.ThrowsAsync<DirectoryException>(() => Store.DeleteAccountAsync(A("team@test.dom")));
        Assert.Equal(DirectoryError.NotFound, e.Error);
        Assert.Contains("is a group", e.Message);
        Assert.NotNull(await Store.FindObjectAsync(A("team@test.dom")));
    }

    // ------------------------------------------------------------------ Aliases, forwarders, groups

    public static TheoryData<string> ExistingKinds => new() { "account", "alias", "forwarder", "group", "list" };

    [Theory]
    [MemberData(nameof(ExistingKinds))]
    public async Task No_new_name_may_collide_with_an_existing_object_of_any_kind(string existing)
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("owner@test.dom"), null);
        var name = A("taken@test.dom");
        switch (existing)
        {
            case "account": await Store.CreateAccountAsync(name, null); break;
            case "alias": await Store.AddAliasAsync(name, A("owner@test.dom")); break;
            case "forwarder": await Store.SetForwarderAsync(name, "x@else.dom"); break;
            case "group": await Store.CreateGroupAsync(name, GroupKind.Group); break;
            default: await Store.CreateGroupAsync(name, GroupKind.MailingList); break;
        }
        var upper = new AccountAddress("TAKEN", "test.dom");
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.CreateAccountAsync(upper, null)));
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.AddAliasAsync(upper, A("owner@test.dom"))));
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.CreateGroupAsync(upper, GroupKind.Group)));
        Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.CreateGroupAsync(upper, GroupKind.MailingList)));
        if (existing != "forwarder")
            Assert.Equal(DirectoryError.AlreadyExists, await ErrorOf(() => Store.SetForwarderAsync(upper, "y@else.dom")));
    }

    [Fact]
    public async Task The_same_name_in_two_domains_is_two_objects()
    {
        await Store.CreateDomainAsync("a.dom");
        await Store.CreateDomainAsync("b.dom");
        await Store.CreateAccountAsync(A("info@a.dom"), null);
        await Store.SetForwarderAsync(A("info@b.dom"), "info@a.dom");
        Assert.Equal(DirectoryObjectKind.Account, (await Store.FindObjectAsync(A("info@a.dom")))!.Kind);
        Assert.Equal(DirectoryObjectKind.Forwarder, (await Store.FindObjectAsync(A("info@b.dom")))!.Kind);
    }

    [Fact]
    public async Task An_alias_names_an_account_of_its_own_domain()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateDomainAsync("other.dom");
        await Store.AddDomainAliasAsync("test.dom", "mail.test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), null);
        await Store.CreateGroupAsync(A("team@test.dom"), GroupKind.Group);

        await Store.AddAliasAsync(A("Al@mail.test.dom"), A("alice@test.dom"));
        var found = await Store.FindObjectAsync(A("AL@test.dom"));
        Assert.Equal(new DirectoryObject(DirectoryObjectKind.Alias, A("al@test.dom"), "alice@test.dom"), found);
        Assert.Equal([new AliasInfo(A("al@test.dom"), A("alice@test.dom"))], await Store.ListAliasesAsync("test.dom"));

        Assert.Equal(DirectoryError.NotAllowed, await ErrorOf(() => Store.AddAliasAsync(A("x@other.dom"), A("alice@test.dom"))));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.AddAliasAsync(A("y@test.dom"), A("nobody@test.dom"))));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.AddAliasAsync(A("z@test.dom"), A("team@test.dom"))));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.AddAliasAsync(A("w@test.dom"), A("al@test.dom"))));

        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.RemoveAliasAsync(A("alice@test.dom"))));
        await Store.RemoveAliasAsync(A("al@test.dom"));
        Assert.Null(await Store.FindObjectAsync(A("al@test.dom")));
        Assert.NotNull(await Store.GetAccountAsync(A("alice@test.dom")));
    }

    [Fact]
    public async Task A_forwarder_is_set_replaced_and_removed()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.SetForwarderAsync(A("jim@test.dom"), "john@other.dom");
        Assert.Equal("john@other.dom", (await Store.FindObjectAsync(A("jim@test.dom")))!.Target);
        await Store.SetForwarderAsync(A("JIM@test.dom"), "boss");
        Assert.Equal(new DirectoryObject(DirectoryObjectKind.Forwarder, A("jim@test.dom"), "boss"), await Store.FindObjectAsync(A("jim@test.dom")));
        await Store.RemoveForwarderAsync(A("jim@test.dom"));
        Assert.Null(await Store.FindObjectAsync(A("jim@test.dom")));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.RemoveForwarderAsync(A("jim@test.dom"))));
    }

    /// <summary>Issue 9 §4: a domain's objects can be enumerated, all or one kind, through a domain alias too.</summary>
    [Fact]
    public async Task A_domains_objects_are_listed_by_name_all_or_of_one_kind()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateDomainAsync("other.dom");
        await Store.AddDomainAliasAsync("test.dom", "mail.test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), null);
        await Store.AddAliasAsync(A("al@test.dom"), A("alice@test.dom"));
        await Store.SetForwarderAsync(A("fw@test.dom"), "someone@far.dom");
        await Store.CreateGroupAsync(A("team@test.dom"), GroupKind.Group);
        await Store.CreateGroupAsync(A("news@test.dom"), GroupKind.MailingList);
        await Store.SetForwarderAsync(A("elsewhere@other.dom"), "x@far.dom");

        Assert.Equal(
            [
                new DirectoryObject(DirectoryObjectKind.Alias, A("al@test.dom"), "alice@test.dom"),
                new DirectoryObject(DirectoryObjectKind.Account, A("alice@test.dom"), null),
                new DirectoryObject(DirectoryObjectKind.Forwarder, A("fw@test.dom"), "someone@far.dom"),
                new DirectoryObject(DirectoryObjectKind.MailingList, A("news@test.dom"), null),
                new DirectoryObject(DirectoryObjectKind.Group, A("team@test.dom"), null),
            ],
            await Store.ListObjectsAsync("test.dom"));
        Assert.Equal([new DirectoryObject(DirectoryObjectKind.Forwarder, A("fw@test.dom"), "someone@far.dom")],
            await Store.ListObjectsAsync("MAIL.test.dom", DirectoryObjectKind.Forwarder));
        Assert.Equal([A("team@test.dom")], (await Store.ListObjectsAsync("test.dom", DirectoryObjectKind.Group)).Select(o => o.Address));
        Assert.Equal([A("news@test.dom")], (await Store.ListObjectsAsync("test.dom", DirectoryObjectKind.MailingList)).Select(o => o.Address));

        await Store.RemoveForwarderAsync(A("fw@test.dom"));
        Assert.Empty(await Store.ListObjectsAsync("test.dom", DirectoryObjectKind.Forwarder));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.ListObjectsAsync("nowhere.dom")));
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.ListObjectsAsync("bad..dom")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words@x.dom")]
    [InlineData("x@")]
    [InlineData("@x.dom")]
    [InlineData("line\nbreak@x.dom")]
    public async Task A_malformed_forwarder_target_or_member_is_refused(string target)
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateGroupAsync(A("team@test.dom"), GroupKind.Group);
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.SetForwarderAsync(A("jim@test.dom"), target)));
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.SetGroupMembersAsync(A("team@test.dom"), ["ok@x.dom", target])));
        Assert.Null(await Store.FindObjectAsync(A("jim@test.dom")));
        Assert.Empty(await Store.GetGroupMembersAsync(A("team@test.dom")));
    }

    [Fact]
    public async Task A_forwarder_target_longer_than_a_path_is_refused()
    {
        await Store.CreateDomainAsync("test.dom");
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.SetForwarderAsync(A("jim@test.dom"), new string('x', 300) + "@x.dom")));
    }

    [Fact]
    public async Task Groups_and_mailing_lists_keep_their_members_in_order_without_duplicates()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateGroupAsync(A("team@test.dom"), GroupKind.Group);
        await Store.CreateGroupAsync(A("news@test.dom"), GroupKind.MailingList);
        Assert.Equal(DirectoryObjectKind.Group, (await Store.FindObjectAsync(A("team@test.dom")))!.Kind);
        Assert.Equal(DirectoryObjectKind.MailingList, (await Store.FindObjectAsync(A("news@test.dom")))!.Kind);

        await Store.SetGroupMembersAsync(A("team@test.dom"), ["bob", "alice@test.dom", "BOB", "carol@remote.dom"]);
        Assert.Equal(["bob", "alice@test.dom", "carol@remote.dom"], await Store.GetGroupMembersAsync(A("TEAM@test.dom")));
        await Store.SetGroupMembersAsync(A("team@test.dom"), ["dave"]);
        Assert.Equal(["dave"], await Store.GetGroupMembersAsync(A("team@test.dom")));

        await Store.RemoveGroupAsync(A("news@test.dom"));
        Assert.Null(await Store.FindObjectAsync(A("news@test.dom")));
        await Store.SetForwarderAsync(A("fw@test.dom"), "x@y.dom");
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetGroupMembersAsync(A("fw@test.dom"), ["a"])));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.GetGroupMembersAsync(A("nothing@test.dom"))));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.RemoveGroupAsync(A("fw@test.dom"))));
    }

    [Theory]
    [InlineData("not valid@test.dom")]
    [InlineData("alice@nowhere.dom")]
    [InlineData("alice@bad..dom")]
    public async Task Look_ups_of_malformed_or_unknown_names_find_nothing(string text)
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");
        var at = text.LastIndexOf('@');
        var address = new AccountAddress(text[..at], text[(at + 1)..]);
        Assert.Null(await Store.FindObjectAsync(address));
        Assert.Null(await Store.GetAccountAsync(address));
        Assert.False(await Store.VerifyPasswordAsync(address, "pw"));
        Assert.Null(await Store.GetCredentialVerifierAsync(address, CredentialMechanism.CramMd5));
    }

    // ------------------------------------------------------------------ Settings

    public static TheoryData<string?, string?, string?, string?, string?> InheritanceRows => new()
    {
        // server, domain, template, account → effective at the account
        { null, null, null, null, null },
        { "s", null, null, null, "s" },
        { "s", "d", null, null, "d" },
        { "s", "d", "t", null, "t" },
        { "s", "d", "t", "a", "a" },
        { null, null, "t", null, "t" },
        { "s", null, null, "a", "a" },
        { null, "d", null, null, "d" },
    };

    [Theory]
    [MemberData(nameof(InheritanceRows))]
    public async Task Settings_resolve_account_then_template_then_domain_then_server(string? server, string? domain, string? template, string? account, string? expected)
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateDomainAsync("other.dom");
        var alice = A("alice@test.dom");
        await Store.CreateAccountAsync(alice, null);
        await Store.CreateAccountAsync(A("alice@other.dom"), null);
        // Noise in another domain and account must never leak in.
        await Store.SetSettingAsync(SettingScope.ForDomain("other.dom"), "Quota", "other");
        await Store.SetSettingAsync(SettingScope.ForAccount(A("alice@other.dom")), "Quota", "other-account");
        if (server is not null) await Store.SetSettingAsync(SettingScope.Server, "Quota", server);
        if (domain is not null) await Store.SetSettingAsync(SettingScope.ForDomain("test.dom"), "Quota", domain);
        if (template is not null) await Store.SetSettingAsync(SettingScope.ForTemplate("test.dom"), "Quota", template);
        if (account is not null) await Store.SetSettingAsync(SettingScope.ForAccount(alice), "Quota", account);

        Assert.Equal(expected, await Store.GetSettingAsync(SettingScope.ForAccount(alice), "quota"));
        Assert.Equal(template ?? domain ?? server, await Store.GetSettingAsync(SettingScope.ForTemplate("test.dom"), "Quota"));
        Assert.Equal(domain ?? server, await Store.GetSettingAsync(SettingScope.ForDomain("test.dom"), "Quota"));
        Assert.Equal(server, await Store.GetSettingAsync(SettingScope.Server, "Quota"));
    }

    [Fact]
    public async Task Own_settings_are_only_this_scope_and_null_removes_a_value()
    {
        await Store.CreateDomainAsync("test.dom");
        var scope = SettingScope.ForDomain("test.dom");
        await Store.SetSettingAsync(SettingScope.Server, "A", "server");
        await Store.SetSettingAsync(scope, "B", "domain");
        await Store.SetSettingAsync(scope, "b", "domain2");
        var own = await Store.GetOwnSettingsAsync(scope);
        Assert.Equal(["B"], own.Keys);
        Assert.Equal("domain2", own["b"]);
        await Store.SetSettingAsync(scope, "B", null);
        Assert.Empty(await Store.GetOwnSettingsAsync(scope));
    }

    [Fact]
    public async Task Settings_for_unknown_scopes_or_bad_keys_are_refused()
    {
        await Store.CreateDomainAsync("test.dom");
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetSettingAsync(SettingScope.ForDomain("nowhere.dom"), "K", "v")));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetSettingAsync(SettingScope.ForAccount(A("ghost@test.dom")), "K", "v")));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.GetSettingAsync(SettingScope.ForAccount(A("ghost@test.dom")), "K")));
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.SetSettingAsync(SettingScope.Server, "has space", "v")));
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.SetSettingAsync(SettingScope.Server, "", "v")));
        Assert.Equal(DirectoryError.NotAllowed, await ErrorOf(() => Store.SetSettingAsync(SettingScope.Server, "Big", new string('x', 70_000))));
        Assert.Empty(await Store.GetOwnSettingsAsync(SettingScope.Server));
    }


    [Fact]
    public async Task The_real_name_is_an_account_setting()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), null, "Alice");
        await Store.SetSettingAsync(SettingScope.ForAccount(A("alice@test.dom")), SettingKeys.RealName, "Alice L.");
        Assert.Equal("Alice L.", (await Store.GetAccountAsync(A("alice@test.dom")))!.RealName);
        Assert.Equal(DirectoryError.InvalidName, await ErrorOf(() => Store.CreateAccountAsync(A("bob@test.dom"), null, "bad\nname")));
    }

    // ------------------------------------------------------------------ Administrator rights

    [Fact]
    public async Task Server_rights_only_for_Main_Domain_accounts_domain_rights_for_any()
    {
        await Store.CreateDomainAsync("main.dom");
        await Store.CreateDomainAsync("second.dom");
        await Store.CreateAccountAsync(A("boss@main.dom"), null);
        await Store.CreateAccountAsync(A("admin@second.dom"), null);

        var all = new AdminRights(ServerRights.AllUsers | ServerRights.Settings, DomainAdminRights.None);
        await Store.SetAdminRightsAsync(A("BOSS@main.dom"), all);
        Assert.Equal(all, await Store.GetAdminRightsAsync(A("boss@main.dom")));

        var e = await Assert.ThrowsAsync<DirectoryException>(() => Store.SetAdminRightsAsync(A("admin@second.dom"), new AdminRights(ServerRights.AllUsers, DomainAdminRights.None)));
        Assert.Equal(DirectoryError.NotAllowed, e.Error);
        Assert.Contains("Main Domain", e.Message);
        Assert.Equal(AdminRights.None, await Store.GetAdminRightsAsync(A("admin@second.dom")));

        var domainAdmin = new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes);
        await Store.SetAdminRightsAsync(A("admin@second.dom"), domainAdmin);
        Assert.Equal(domainAdmin, await Store.GetAdminRightsAsync(A("admin@second.dom")));
        Assert.Equal(2, Bus.Of<AccountChanged>().Count(c => c.Change == AccountChange.RightsChanged));

        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetAdminRightsAsync(A("ghost@main.dom"), all)));
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.GetAdminRightsAsync(A("ghost@main.dom"))));
        Assert.Equal(DirectoryError.NotAllowed, await ErrorOf(() => Store.SetAdminRightsAsync(A("boss@main.dom"), new AdminRights((ServerRights)1024, DomainAdminRights.None))));
    }

    // ------------------------------------------------------------------ Passwords and verifiers

    [Fact]
    public async Task A_password_verifies_right_and_wrong_through_aliases_and_after_a_change()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.AddDomainAliasAsync("test.dom", "mail.test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), "correct horse");
        await Store.AddAliasAsync(A("al@test.dom"), A("alice@test.dom"));
        await Store.CreateAccountAsync(A("nopass@test.dom"), null);

        Assert.True(await Store.VerifyPasswordAsync(A("alice@test.dom"), "correct horse"));
        Assert.True(await Store.VerifyPasswordAsync(new AccountAddress("ALICE", "Mail.Test.Dom"), "correct horse"));
        Assert.True(await Store.VerifyPasswordAsync(A("al@test.dom"), "correct horse"));
        Assert.False(await Store.VerifyPasswordAsync(A("alice@test.dom"), "Correct horse"));
        Assert.False(await Store.VerifyPasswordAsync(A("alice@test.dom"), ""));
        Assert.False(await Store.VerifyPasswordAsync(A("ghost@test.dom"), "correct horse"));
        Assert.False(await Store.VerifyPasswordAsync(A("nopass@test.dom"), ""));

        await Store.SetPasswordAsync(A("alice@test.dom"), "battery staple");
        Assert.False(await Store.VerifyPasswordAsync(A("alice@test.dom"), "correct horse"));
        Assert.True(await Store.VerifyPasswordAsync(A("alice@test.dom"), "battery staple"));
        Assert.Contains(Bus.Of<AccountChanged>(), e => e.Change == AccountChange.PasswordChanged);
        Assert.Equal(DirectoryError.NotFound, await ErrorOf(() => Store.SetPasswordAsync(A("ghost@test.dom"), "x")));
        Assert.Equal(DirectoryError.NotAllowed, await ErrorOf(() => Store.SetPasswordAsync(A("alice@test.dom"), "")));
        Assert.Equal(DirectoryError.NotAllowed, await ErrorOf(() => Store.SetPasswordAsync(A("alice@test.dom"), new string('p', 2000))));
        Assert.True(await Store.VerifyPasswordAsync(A("alice@test.dom"), "battery staple"));
    }


    [Fact]
    public async Task The_CRAM_MD5_verifier_answers_a_challenge_and_can_be_switched_off_per_domain()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateDomainAsync("other.dom");
        await Store.CreateAccountAsync(A("tim@test.dom"), "tanstaaftanstaaf");
        await Store.CreateAccountAsync(A("tim@other.dom"), "tanstaaftanstaaf");
        const string challenge = "<1896.697170952@postoffice.reston.mci.net>";

        var verifier = await Store.GetCredentialVerifierAsync(A("tim@test.dom"), CredentialMechanism.CramMd5);
        Assert.NotNull(verifier);
        Assert.Equal(CredentialMechanism.CramMd5, verifier.Mechanism);
        Assert.True(CramMd5Secret.Verify(verifier.Value, challenge, "b913a602c7eda7a495b4e6e7334d3890"));

        await Store.SetSettingAsync(SettingScope.ForDomain("test.dom"), SettingKeys.CramMd5Enabled, "false");
        Assert.Null(await Store.GetCredentialVerifierAsync(A("tim@test.dom"), CredentialMechanism.CramMd5));
        Assert.NotNull(await Store.GetCredentialVerifierAsync(A("tim@other.dom"), CredentialMechanism.CramMd5));
        // The switch inherits: server-wide off reaches every domain that does not say otherwise.
        await Store.SetSettingAsync(SettingScope.Server, SettingKeys.CramMd5Enabled, "FALSE");
        Assert.Null(await Store.GetCredentialVerifierAsync(A("tim@other.dom"), CredentialMechanism.CramMd5));
        await Store.SetSettingAsync(SettingScope.ForDomain("other.dom"), SettingKeys.CramMd5Enabled, "true");
        Assert.NotNull(await Store.GetCredentialVerifierAsync(A("tim@other.dom"), CredentialMechanism.CramMd5));
    }

    [Fact]
    public async Task The_digest_HA1_is_for_the_account_name_and_its_domain_realm()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), "pw");
        var expected = System.Security.Cryptography.MD5.HashData("alice:test.dom:pw"u8);

        var ha1 = await Store.GetCredentialVerifierAsync(A("alice@test.dom"), CredentialMechanism.DigestHa1);
        Assert.NotNull(ha1);
        Assert.Equal("test.dom", ha1.Realm);
        Assert.Equal(expected, ha1.Value);
        Assert.Equal(expected, (await Store.GetCredentialVerifierAsync(A("alice@test.dom"), CredentialMechanism.DigestHa1, "TEST.dom"))!.Value);
        Assert.Null(await Store.GetCredentialVerifierAsync(A("alice@test.dom"), CredentialMechanism.DigestHa1, "other.realm"));

        await Store.SetPasswordAsync(A("alice@test.dom"), "new");
        Assert.Equal(System.Security.Cryptography.MD5.HashData("alice:test.dom:new"u8),
            (await Store.GetCredentialVerifierAsync(A("alice@test.dom"), CredentialMechanism.DigestHa1))!.Value);
    }

    [Fact]
    public async Task An_account_without_a_password_has_no_verifiers()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), null);
        Assert.Null(await Store.GetCredentialVerifierAsync(A("alice@test.dom"), CredentialMechanism.CramMd5));
        Assert.Null(await Store.GetCredentialVerifierAsync(A("alice@test.dom"), CredentialMechanism.DigestHa1));
    }
}
