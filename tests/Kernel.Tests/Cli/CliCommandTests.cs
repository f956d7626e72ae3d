using System.Text.Json;

namespace Kernel.Tests.Cli;

/// <summary>
/// Issue 3 §6: every <c>kernel</c> command on a data folder, run as the built executable. Each test uses its own names
/// in the shared folder (test.dom, alice, bob), so the order the tests run in does not matter.
/// </summary>
public sealed class CliCommandTests(CliDataFolder data) : IClassFixture<CliDataFolder>
{
    [Fact]
    public async Task AclSetThenGetShowsTheRightsAndDeleteRemovesThem()
    {
        CliAssert.Ok(await data.RunAsync("mailbox", "create", "alice@test.dom", "Shared"));

        CliAssert.Ok(await data.RunAsync("mailbox", "acl", "set", "~alice/Shared", "bob@test.dom", "lrs"));
        var afterSet = Acl(CliAssert.Ok(await data.RunAsync("mailbox", "acl", "get", "~alice/Shared", "--json")).Output);
        CliAssert.Ok(await data.RunAsync("mailbox", "acl", "set", "~alice@test.dom/Shared", "bob@test.dom", "+wi"));
        var afterAdd = Acl(CliAssert.Ok(await data.RunAsync("mailbox", "acl", "get", "~alice/Shared", "--json")).Output);
        var text = CliAssert.Ok(await data.RunAsync("mailbox", "acl", "get", "~alice/Shared")).Output;
        CliAssert.Ok(await data.RunAsync("mailbox", "acl", "delete", "~alice/Shared", "bob@test.dom"));
        var afterDelete = Acl(CliAssert.Ok(await data.RunAsync("mailbox", "acl", "get", "~alice/Shared", "--json")).Output);

        Assert.Equal("lrs", Bob(afterSet));
        Assert.Equal("lrswi", Bob(afterAdd));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("bob", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" lrswi", StringComparison.Ordinal));
        Assert.Null(Bob(afterDelete));

        static string? Bob(Dictionary<string, string> acl) =>
            acl.TryGetValue("bob", out var rights) || acl.TryGetValue("bob@test.dom", out rights) ? rights : null;
    }

    [Fact]
    public async Task MailboxListGivesEachMailboxWithItsMessageCount()
    {
        CliAssert.Ok(await data.RunAsync("account", "add", "mia@test.dom", "--password", "pw"));
        CliAssert.Ok(await data.RunAsync("mailbox", "create", "mia@test.dom", "Work"));
        CliAssert.Ok(await data.RunAsync("mailbox", "create", "~mia@test.dom/Work/2026"));

        var json = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("mailbox", "list", "mia@test.dom", "--json")).Output).RootElement;
        var text = CliAssert.Ok(await data.RunAsync("mailbox", "list", "mia@test.dom")).Output;

        var counts = json.EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("messages").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["INBOX"] = 0, ["Work"] = 0, ["Work/2026"] = 0 }, counts);
        Assert.Contains("INBOX\t0", text);

        CliAssert.Ok(await data.RunAsync("mailbox", "delete", "mia@test.dom", "Work/2026"));
        var afterDelete = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("mailbox", "list", "mia@test.dom", "--json")).Output).RootElement;
        Assert.DoesNotContain(afterDelete.EnumerateArray(), m => m.GetProperty("name").GetString() == "Work/2026");
    }

    [Fact]
    public async Task SubscriptionAddListRemove()
    {
        CliAssert.Ok(await data.RunAsync("account", "add", "sam@test.dom", "--password", "pw"));
        CliAssert.Ok(await data.RunAsync("mailbox", "create", "sam@test.dom", "Lists"));

        // A foreign name may be subscribed only when visible (mailboxes.md §5.4: `l` covers SUBSCRIBE).
        CliAssert.FailsWithOneLine(await data.RunAsync("subscription", "add", "sam@test.dom", "~alice/INBOX"), "~alice/INBOX: No such mailbox");
        CliAssert.Ok(await data.RunAsync("mailbox", "acl", "set", "~alice/INBOX", "sam@test.dom", "l"));
        CliAssert.Ok(await data.RunAsync("subscription", "add", "sam@test.dom", "Lists"));
        CliAssert.Ok(await data.RunAsync("subscription", "add", "sam@test.dom", "~alice/INBOX"));
        var added = Strings(CliAssert.Ok(await data.RunAsync("subscription", "list", "sam@test.dom", "--json")).Output);
        CliAssert.Ok(await data.RunAsync("subscription", "remove", "sam@test.dom", "Lists"));
        var removed = CliAssert.Ok(await data.RunAsync("subscription", "list", "sam@test.dom")).Output;

        Assert.Contains("Lists", added);
        Assert.Contains(added, n => n.StartsWith("~alice", StringComparison.Ordinal) && n.EndsWith("/INBOX", StringComparison.Ordinal));
        Assert.DoesNotContain("Lists", removed.Split('\n', StringSplitOptions.TrimEntries));
        Assert.Contains("/INBOX", removed);
    }

    [Fact]
    public async Task AliasAddListRemove()
    {
        CliAssert.Ok(await data.RunAsync("alias", "add", "ally@test.dom", "alice@test.dom"));
        var listed = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("alias", "list", "test.dom", "--json")).Output).RootElement;
        var text = CliAssert.Ok(await data.RunAsync("alias", "list", "test.dom")).Output;
        CliAssert.Ok(await data.RunAsync("alias", "remove", "ally@test.dom"));
        var after = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("alias", "list", "test.dom", "--json")).Output).RootElement;

        Assert.Contains(listed.EnumerateArray(), a => a.GetProperty("alias").GetString() == "ally@test.dom" && a.GetProperty("account").GetString() == "alice@test.dom");
        Assert.Contains("ally@test.dom -> alice@test.dom", text);
        Assert.DoesNotContain(after.EnumerateArray(), a => a.GetProperty("alias").GetString() == "ally@test.dom");
    }

    [Fact]
    public async Task SettingsSetGetListInheritDownToTheAccount()
    {
        CliAssert.Ok(await data.RunAsync("settings", "set", "FileQuotaItems", "7"));
        CliAssert.Ok(await data.RunAsync("settings", "set", "--domain", "test.dom", "FileQuotaBytes", "10"));
        CliAssert.Ok(await data.RunAsync("settings", "set", "--account", "bob@test.dom", "FileQuotaBytes", "20"));

        Assert.Equal("7 (server)", CliAssert.Ok(await data.RunAsync("settings", "get", "FileQuotaItems")).Output.Trim());
        Assert.Equal("7 (server)", CliAssert.Ok(await data.RunAsync("settings", "get", "--account", "alice@test.dom", "FileQuotaItems")).Output.Trim());
        Assert.Equal("10 (domain test.dom)", CliAssert.Ok(await data.RunAsync("settings", "get", "--account", "alice@test.dom", "FileQuotaBytes")).Output.Trim());
        Assert.Equal("20 (account bob@test.dom)", CliAssert.Ok(await data.RunAsync("settings", "get", "--account", "bob@test.dom", "FileQuotaBytes")).Output.Trim());
        var server = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("settings", "list", "--json")).Output).RootElement;
        var domain = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("settings", "list", "--domain", "test.dom", "--json")).Output).RootElement;
        Assert.Equal("7", server.GetProperty("FileQuotaItems").GetString());
        Assert.Equal("10", domain.GetProperty("FileQuotaBytes").GetString());
        Assert.False(domain.TryGetProperty("FileQuotaItems", out _), "a domain lists only its own values");

        CliAssert.Ok(await data.RunAsync("settings", "set", "--account", "bob@test.dom", "FileQuotaBytes"));
        Assert.Equal("10 (domain test.dom)", CliAssert.Ok(await data.RunAsync("settings", "get", "--account", "bob@test.dom", "FileQuotaBytes")).Output.Trim());
    }

    /// <summary>Issue 9 §4: get names where the value comes from, down to the default; list --effective shows every known key.</summary>
    [Fact]
    public async Task SettingsGetNamesTheSourceIncludingTheDefaultAndTemplate()
    {
        Assert.Equal("clients (default)", CliAssert.Ok(await data.RunAsync("settings", "get", "SMTP.RelayFrom")).Output.Trim());
        Assert.Equal("Rejected (default)", CliAssert.Ok(await data.RunAsync("settings", "get", "--domain", "test.dom", "mailtounknown")).Output.Trim());
        CliAssert.Ok(await data.RunAsync("settings", "set", "--template", "test.dom", "MailboxQuotaBytes", "300"));
        Assert.Equal("300 (template test.dom)", CliAssert.Ok(await data.RunAsync("settings", "get", "--account", "alice@test.dom", "MailboxQuotaBytes")).Output.Trim());
        CliAssert.Ok(await data.RunAsync("domain", "set", "test.dom", "MailToUnknown", "Rerouted:*%test.dom@old.example.via"));
        Assert.Equal("Rerouted:*%test.dom@old.example.via (domain test.dom)", CliAssert.Ok(await data.RunAsync("settings", "get", "--domain", "test.dom", "MailToUnknown")).Output.Trim());
        var effective = CliAssert.Ok(await data.RunAsync("settings", "list", "--effective", "--account", "alice@test.dom")).Output;
        Assert.Contains("MailboxQuotaBytes=300 (template test.dom)", effective);
        Assert.Contains("SMTP.RelayToClientIps=none (default)", effective);
        var keys = CliAssert.Ok(await data.RunAsync("settings", "keys")).Output;
        Assert.Contains("\"Hold Mail for Domains\"", keys);
        Assert.Contains("clients, nobody, anybody", keys);
        Assert.Contains("Relay to any IP address if received from", CliAssert.Ok(await data.RunAsync("settings", "set", "--help")).Output);
        CliAssert.Ok(await data.RunAsync("domain", "set", "test.dom", "MailToUnknown"));
    }

    /// <summary>Keys renamed for consistency keep their old name readable and writable (existing data folders keep working).</summary>
    [Fact]
    public async Task AnOldKeyNameIsStillReadAndWritingItStoresTheNewName()
    {
        CliAssert.Ok(await data.RunAsync("settings", "set", "ClientIpAddresses", "10.0.0.0/8"));
        Assert.Equal("10.0.0.0/8 (server)", CliAssert.Ok(await data.RunAsync("settings", "get", "Network.ClientIpAddresses")).Output.Trim());
        Assert.Equal("10.0.0.0/8 (server)", CliAssert.Ok(await data.RunAsync("settings", "get", "ClientIpAddresses")).Output.Trim());
        var own = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("settings", "list", "--json")).Output).RootElement;
        Assert.True(own.TryGetProperty("Network.ClientIpAddresses", out _));
        Assert.False(own.TryGetProperty("ClientIpAddresses", out _));
        CliAssert.Ok(await data.RunAsync("settings", "set", "ClientIpAddresses"));
        Assert.Equal("127.0.0.1, ::1 (default)", CliAssert.Ok(await data.RunAsync("settings", "get", "Network.ClientIpAddresses")).Output.Trim());
    }

    [Fact]
    public async Task QueueListShowRetryReleaseDelete()
    {
        // No server runs: a submitted message waits in the queue for the operator to look at.
        var id = CliAssert.Ok(await data.RunWithInputAsync("From: bob@test.dom\nSubject: queued\n\nhello\n", "submit", "--from", "bob@test.dom", "alice@test.dom")).Output.Trim();

        var list = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("queue", "list", "--json")).Output).RootElement;
        var show = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("queue", "show", id, "--json")).Output).RootElement;
        var body = CliAssert.Ok(await data.RunAsync("queue", "show", id, "--body")).Output;
        var retried = CliAssert.Ok(await data.RunAsync("queue", "retry", id)).Output;
        var released = CliAssert.Ok(await data.RunAsync("queue", "release", "test.dom")).Output;
        CliAssert.Ok(await data.RunAsync("queue", "delete", id));
        var after = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("queue", "list", "--json")).Output).RootElement;

        Assert.Matches("^[0-9A-F]{20,}$", id);
        Assert.Contains(list.EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        Assert.Equal("bob@test.dom", show.GetProperty("sender").GetString());
        Assert.Equal("alice@test.dom", show.GetProperty("recipients")[0].GetProperty("address").GetString());
        Assert.Equal("CLI", show.GetProperty("source").GetProperty("protocol").GetString());
        Assert.Contains("Subject: queued", body);
        Assert.Contains("retried", retried);
        Assert.Contains("released", released);
        Assert.DoesNotContain(after.EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        Assert.Equal(1, await ExitCodeAsync(data.RunAsync("queue", "show", id)));
    }

    [Fact]
    public async Task SubmitNormalisesLineEndsAndStoresTheMessageDurably()
    {
        var id = CliAssert.Ok(await data.RunWithInputAsync("Subject: crlf\n\nline one\nline two\n", "submit", "--from", "", "bob@test.dom")).Output.Trim();

        var show = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("queue", "show", id, "--json")).Output).RootElement;
        var body = CliAssert.Ok(await data.RunAsync("queue", "show", id, "--body")).Output;

        Assert.Equal("", show.GetProperty("sender").GetString());
        Assert.Equal("Subject: crlf\r\n\r\nline one\r\nline two\r\n".Length, show.GetProperty("size").GetInt32());
        Assert.Contains("line one", body);
        CliAssert.Ok(await data.RunAsync("queue", "delete", id));
    }

    [Fact]
    public async Task TheFirstDomainComesWithAPostmasterHoldingTheMasterRight()
    {
        // The shared folder's first domain is test.dom (the Main Domain); a later secondary domain gets no postmaster.
        CliAssert.Ok(await data.RunAsync("domain", "add", "second.dom"));
        var main = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("account", "list", "test.dom", "--json")).Output).RootElement;
        var second = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("account", "list", "second.dom", "--json")).Output).RootElement;
        var rights = CliAssert.Ok(await data.RunAsync("account", "admin", "postmaster@test.dom")).Output;

        Assert.Contains(main.EnumerateArray(), a => a.GetProperty("account").GetString() == "postmaster@test.dom");
        Assert.DoesNotContain(second.EnumerateArray(), a => a.GetProperty("account").GetString() == "postmaster@second.dom");
        Assert.Contains("server Master", rights);
    }

    [Fact]
    public async Task DomainAndAccountLifecycle()
    {
        CliAssert.Ok(await data.RunAsync("domain", "add", "life.dom"));
        CliAssert.Ok(await data.RunAsync("account", "add", "zed@life.dom", "--password", "pw", "--real-name", "Zed"));
        CliAssert.Ok(await data.RunWithInputAsync("new-secret\n", "account", "passwd", "zed@life.dom"));
        CliAssert.Ok(await data.RunAsync("account", "set", "zed@life.dom", "MailboxQuotaBytes", "100"));
        CliAssert.Ok(await data.RunAsync("domain", "set", "life.dom", "MailboxQuotaBytes", "50"));
        var accounts = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("account", "list", "life.dom", "--json")).Output).RootElement;
        var domains = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("domain", "list", "--json")).Output).RootElement;
        var quota = CliAssert.Ok(await data.RunAsync("settings", "get", "--account", "zed@life.dom", "MailboxQuotaBytes")).Output.Trim();

        CliAssert.Ok(await data.RunAsync("account", "remove", "zed@life.dom"));
        var afterRemove = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("account", "list", "life.dom", "--json")).Output).RootElement;
        CliAssert.Ok(await data.RunAsync("domain", "remove", "life.dom"));
        var afterDomain = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("domain", "list", "--json")).Output).RootElement;

        var zed = Assert.Single(accounts.EnumerateArray());
        Assert.Equal("zed@life.dom", zed.GetProperty("account").GetString());
        Assert.Equal("Zed", zed.GetProperty("realName").GetString());
        Assert.Contains(domains.EnumerateArray(), d => d.GetProperty("name").GetString() == "test.dom" && d.GetProperty("isMain").GetBoolean());
        Assert.Contains(domains.EnumerateArray(), d => d.GetProperty("name").GetString() == "life.dom" && !d.GetProperty("isMain").GetBoolean());
        Assert.Equal("100 (account zed@life.dom)", quota);
        Assert.Empty(afterRemove.EnumerateArray());
        Assert.DoesNotContain(afterDomain.EnumerateArray(), d => d.GetProperty("name").GetString() == "life.dom");
    }

    /// <summary>Issue 9 §4: forwarders, groups and mailing lists the store has are reachable from the CLI.</summary>
    [Fact]
    public async Task ForwarderGroupAndMailingListAddShowRemove()
    {
        CliAssert.Ok(await data.RunAsync("forwarder", "add", "fw@test.dom", "someone@far.example"));
        Assert.Equal("fw@test.dom -> someone@far.example", CliAssert.Ok(await data.RunAsync("forwarder", "show", "fw@test.dom")).Output.Trim());
        CliAssert.Ok(await data.RunAsync("forwarder", "add", "fw", "other@far.example"));
        Assert.Equal("fw@test.dom -> other@far.example", CliAssert.Ok(await data.RunAsync("forwarder", "show", "fw")).Output.Trim());

        CliAssert.Ok(await data.RunAsync("group", "add", "team@test.dom", "alice@test.dom", "bob@test.dom"));
        Assert.Equal(["alice@test.dom", "bob@test.dom"], Strings(CliAssert.Ok(await data.RunAsync("group", "show", "team@test.dom", "--json")).Output));
        CliAssert.Ok(await data.RunAsync("group", "set", "team@test.dom", "bob@test.dom"));
        Assert.Equal("bob@test.dom", CliAssert.Ok(await data.RunAsync("group", "show", "team@test.dom")).Output.Trim());

        CliAssert.Ok(await data.RunAsync("list", "add", "news@test.dom"));
        CliAssert.Ok(await data.RunAsync("list", "set", "news@test.dom", "reader@far.example"));
        Assert.Equal("reader@far.example", CliAssert.Ok(await data.RunAsync("list", "show", "news@test.dom")).Output.Trim());
        CliAssert.FailsWithOneLine(await data.RunAsync("group", "show", "news@test.dom"), "news@test.dom is a mailing list, not a group");

        CliAssert.Ok(await data.RunAsync("forwarder", "remove", "fw@test.dom"));
        CliAssert.Ok(await data.RunAsync("group", "remove", "team@test.dom"));
        CliAssert.Ok(await data.RunAsync("list", "remove", "news@test.dom"));
        CliAssert.FailsWithOneLine(await data.RunAsync("forwarder", "show", "fw@test.dom"), "no forwarder fw@test.dom");
        CliAssert.FailsWithOneLine(await data.RunAsync("group", "show", "team@test.dom"), "no group team@test.dom");
        CliAssert.FailsWithOneLine(await data.RunAsync("list", "show", "news@test.dom"), "no mailing list news@test.dom");
    }

    /// <summary>
    /// Issue 9 §4: forwarders, groups and mailing lists are listed per domain (<c>kernel list all</c> for mailing lists),
    /// each kind only its own, in text and <c>--json</c>; what is removed is no longer listed.
    /// </summary>
    [Fact]
    public async Task ForwarderGroupAndMailingListAddListRemoveRoundTrip()
    {
        CliAssert.Ok(await data.RunAsync("domain", "add", "lists.dom"));
        Assert.Equal("", CliAssert.Ok(await data.RunAsync("forwarder", "list", "lists.dom")).Output.Trim());
        CliAssert.Ok(await data.RunAsync("forwarder", "add", "fw@lists.dom", "someone@far.example"));
        CliAssert.Ok(await data.RunAsync("forwarder", "add", "aa@lists.dom", "first@far.example"));
        CliAssert.Ok(await data.RunAsync("group", "add", "team@lists.dom", "alice@test.dom"));
        CliAssert.Ok(await data.RunAsync("list", "add", "news@lists.dom"));

        Assert.Equal(["aa@lists.dom -> first@far.example", "fw@lists.dom -> someone@far.example"],
            Lines(CliAssert.Ok(await data.RunAsync("forwarder", "list", "lists.dom")).Output));
        var forwarders = JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("forwarder", "list", "lists.dom", "--json")).Output).RootElement;
        Assert.Equal(["aa@lists.dom", "fw@lists.dom"], forwarders.EnumerateArray().Select(e => e.GetProperty("forwarder").GetString()!));
        Assert.Equal("someone@far.example", forwarders[1].GetProperty("target").GetString());

        Assert.Equal(["team@lists.dom"], Lines(CliAssert.Ok(await data.RunAsync("group", "list", "lists.dom")).Output));
        Assert.Equal(["news@lists.dom"], Lines(CliAssert.Ok(await data.RunAsync("list", "all", "lists.dom")).Output));
        Assert.Equal("team@lists.dom", JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("group", "list", "lists.dom", "--json")).Output)
            .RootElement[0].GetProperty("group").GetString());
        Assert.Equal("news@lists.dom", JsonDocument.Parse(CliAssert.Ok(await data.RunAsync("list", "all", "lists.dom", "--json")).Output)
            .RootElement[0].GetProperty("list").GetString());

        CliAssert.Ok(await data.RunAsync("forwarder", "remove", "fw@lists.dom"));
        CliAssert.Ok(await data.RunAsync("group", "remove", "team@lists.dom"));
        CliAssert.Ok(await data.RunAsync("list", "remove", "news@lists.dom"));
        Assert.Equal(["aa@lists.dom -> first@far.example"], Lines(CliAssert.Ok(await data.RunAsync("forwarder", "list", "lists.dom")).Output));
        Assert.Empty(Lines(CliAssert.Ok(await data.RunAsync("group", "list", "lists.dom")).Output));
        Assert.Empty(Lines(CliAssert.Ok(await data.RunAsync("list", "all", "lists.dom")).Output));
        CliAssert.Ok(await data.RunAsync("domain", "remove", "lists.dom"));
    }

    /// <summary>Issue 9 §4: <c>kernel account list</c> without a domain lists every account of every domain.</summary>
    [Fact]
    public async Task AccountListWithoutADomainListsEveryAccount()
    {
        CliAssert.Ok(await data.RunAsync("domain", "add", "every.dom"));
        CliAssert.Ok(await data.RunAsync("account", "add", "yann@every.dom", "--password", "pw"));

        var all = CliAssert.Ok(await data.RunAsync("account", "list")).Output;

        Assert.Contains("alice@test.dom (Alice Liddell)", all);
        Assert.Contains("bob@test.dom", all);
        Assert.Contains("yann@every.dom", all);
        CliAssert.Ok(await data.RunAsync("domain", "remove", "every.dom"));
    }

    /// <summary>§6: <c>--json</c> on every listing prints one JSON document (array or object) and nothing else.</summary>
    [Theory]
    [InlineData(JsonValueKind.Array, "domain", "list")]
    [InlineData(JsonValueKind.Array, "account", "list", "test.dom")]
    [InlineData(JsonValueKind.Array, "alias", "list", "test.dom")]
    [InlineData(JsonValueKind.Array, "forwarder", "list", "test.dom")]
    [InlineData(JsonValueKind.Array, "group", "list", "test.dom")]
    [InlineData(JsonValueKind.Array, "list", "all", "test.dom")]
    [InlineData(JsonValueKind.Array, "mailbox", "list", "alice@test.dom")]
    [InlineData(JsonValueKind.Array, "mailbox", "acl", "get", "~alice/INBOX")]
    [InlineData(JsonValueKind.Array, "subscription", "list", "alice@test.dom")]
    [InlineData(JsonValueKind.Array, "queue", "list")]
    [InlineData(JsonValueKind.Object, "settings", "list")]
    [InlineData(JsonValueKind.Object, "settings", "list", "--effective")]
    [InlineData(JsonValueKind.Array, "settings", "keys")]
    [InlineData(JsonValueKind.Array, "account", "list")]
    [InlineData(JsonValueKind.Object, "settings", "get", "SMTP.RelayFrom")]
    [InlineData(JsonValueKind.Array, "plugins", "list")]
    public async Task JsonOnEveryListingParses(JsonValueKind kind, params string[] args)
    {
        var result = CliAssert.Ok(await data.RunAsync([.. args, "--json"]));

        using var document = JsonDocument.Parse(result.Output);
        Assert.Equal(kind, document.RootElement.ValueKind);
    }

    [Fact]
    public async Task HelpNamesEveryCommand()
    {
        var help = CliAssert.Ok(await data.RunAsync("--help")).Output;

        foreach (var command in new[] { "serve", "domain", "account", "alias", "forwarder", "group", "list", "mailbox", "subscription", "submit", "queue", "plugins", "settings" })
            Assert.Matches($@"(?m)^\s+{command}\b", help);
    }

    /// <summary>
    /// Issue 9 §4: <c>kernel --help</c> on a fresh folder lists every command, the plugins' too (the plugins beside the
    /// executable are loaded), whether <c>--data</c> stands before or after, and creates nothing.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HelpOnAFreshFolderListsEveryCommandIncludingThePluginsAndCreatesNothing(bool dataFirst)
    {
        var missing = Path.Combine(Path.GetTempPath(), "kernel-missing-" + Guid.NewGuid().ToString("N"));
        string[] args = dataFirst ? ["--data", missing, "--help"] : ["--help", "--data", missing];

        var help = CliAssert.Ok(await Kernel.Testing.KernelCli.RunAsync(null, null, args)).Output;

        foreach (var command in new[] { "serve", "domain", "account", "alias", "forwarder", "group", "list", "mailbox", "subscription", "submit", "queue", "plugins", "settings", "router", "route" })
            Assert.Matches($@"(?m)^\s+{command}\b", help);
        Assert.False(Directory.Exists(missing), "help created the data folder");
    }

    private static async Task<int> ExitCodeAsync(Task<Kernel.Testing.CliResult> run) => (await run).ExitCode;

    private static Dictionary<string, string> Acl(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("identifier").GetString()!, e => e.GetProperty("rights").GetString()!);

    private static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static List<string> Strings(string json) => JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetString()!).ToList();
}
