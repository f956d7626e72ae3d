using System.Text;
using Kernel.Abstractions;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Issue 7 §3: SEARCH in the store, streaming APPEND, and the three gaps the acceptance probe hit — LISTRIGHTS with
/// the owner line (mailboxes.md §5.5), the rights of many names in one call, and an all-or-nothing subscription list (§6).
/// </summary>
public sealed class MailboxCallsTests : IDisposable
{
    private static readonly Principal Alice = U("alice");
    private static readonly Principal Bob = U("bob");

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static readonly DateTimeOffset Day = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, MessageQuery, uint[]> Queries => new()
    {
        { "everything", new MessageQuery(), [1, 2, 3, 4, 5] },
        { "uids", new MessageQuery { Uids = UidSet.Of(2, 4, 9) }, [2, 4] },
        { "seen", new MessageQuery { FlagsSet = MessageFlags.Seen }, [1, 3] },
        { "seen and flagged", new MessageQuery { FlagsSet = MessageFlags.Seen | MessageFlags.Flagged }, [3] },
        { "unseen", new MessageQuery { FlagsNotSet = MessageFlags.Seen }, [2, 4, 5] },
        { "keyword, any case", new MessageQuery { Keywords = ["$LABEL1"] }, [2, 3] },
        { "two keywords", new MessageQuery { Keywords = ["$label1", "work"] }, [3] },
        { "keyword is a whole word", new MessageQuery { Keywords = ["$label"] }, [] },
        { "keyword with a LIKE wildcard", new MessageQuery { Keywords = ["$label%"] }, [] },
        { "unkeyword", new MessageQuery { NotKeywords = ["$label1"] }, [1, 4, 5] },
        { "since", new MessageQuery { InternalDateSince = Day.AddDays(2) }, [3, 4, 5] },
        { "before", new MessageQuery { InternalDateBefore = Day.AddDays(2) }, [1, 2] },
        { "on (since and before)", new MessageQuery { InternalDateSince = Day.AddDays(2), InternalDateBefore = Day.AddDays(3) }, [3] },
        { "larger", new MessageQuery { LargerThan = 40 }, [4, 5] },
        { "smaller", new MessageQuery { SmallerThan = 40 }, [1, 2, 3] },
        { "modseq", new MessageQuery { ModSeqAtLeast = 7 }, [2, 3] },
        { "all together", new MessageQuery { Uids = UidSet.Range(1, 3), FlagsNotSet = MessageFlags.Deleted, Keywords = ["work"], SmallerThan = 40 }, [3] },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Search_filters_in_the_store(string name, MessageQuery query, uint[] expected)
    {
        _ = name;
        // 1: seen; 2: $label1; 3: seen flagged $label1 work; 4, 5: large. Appends take modseq 2..6; the two STOREs 7 and 8.
        var rows = new (MessageFlags Flags, string[] Keywords, int Padding)[]
        {
            (MessageFlags.Seen, [], 0), (MessageFlags.None, [], 0), (MessageFlags.Seen | MessageFlags.Flagged, ["$Label1", "work"], 0),
            (MessageFlags.None, [], 30), (MessageFlags.None, [], 40),
        };
        for (var i = 0; i < rows.Length; i++)
            await _bed.Store.AppendAsync(Alice, "INBOX", Message($"m{i}", rows[i].Padding), rows[i].Flags, rows[i].Keywords, Day.AddDays(i));
        await _bed.Store.StoreFlagsAsync(Alice, "INBOX", UidSet.Of(2), new FlagChange(FlagChangeMode.Add, MessageFlags.None, ["$label1"]));
        await _bed.Store.StoreFlagsAsync(Alice, "INBOX", UidSet.Of(3), new FlagChange(FlagChangeMode.Add, MessageFlags.Answered, []));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        Assert.Equal(expected, await view.SearchAsync(query));
    }

    [Fact]
    public async Task Search_takes_a_uid_set_too_long_for_one_statement()
    {
        for (var i = 0; i < 5; i++) await _bed.Store.AppendAsync(Alice, "INBOX", Message($"m{i}"));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        var many = new UidSet(Enumerable.Range(0, 40).Select(i => ((uint)(i * 2 + 1), (uint)(i * 2 + 1))).ToArray()); // 1,3,5,…
        Assert.Equal([1u, 3u, 5u], await view.SearchAsync(new MessageQuery { Uids = many }));
    }

    [Fact]
    public async Task Streaming_append_is_checked_before_the_literal_and_stored_at_commit()
    {
        await _bed.Store.SetAclAsync(Alice, "INBOX", "bob", "lr");
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.BeginAppendAsync(Bob, "~alice/INBOX")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.BeginAppendAsync(Bob, "~carol/INBOX")));
        Assert.Equal(MailboxError.TryCreate, await ErrorOf(() => _bed.Store.BeginAppendAsync(Alice, "nothere")));
        Assert.Empty(TempFiles());

        await using (var append = await _bed.Store.BeginAppendAsync(Alice, "INBOX", MessageFlags.Seen, ["$x"], Day))
        {
            foreach (var piece in new[] { "Subject: streamed\r\n", "\r\n", "part one, ", "part two\r\n" })
                await append.WriteAsync(Encoding.ASCII.GetBytes(piece));
            Assert.Equal(41, append.Length);
            Assert.Empty(TempFiles()); // a body within the inline limit stays in memory until the commit writes it with its row
            var result = await append.CommitAsync();
            Assert.Equal(1u, result.Uid);
        }
        Assert.Empty(TempFiles());
        var summary = Assert.Single(await _bed.Store.FetchAsync(Alice, "INBOX", UidSet.All));
        Assert.Equal((MessageFlags.Seen, "$x", Day, 41L), (summary.Flags, summary.Keywords.Single(), summary.InternalDate, summary.Size));
        using var reader = new StreamReader((await _bed.Store.OpenMessageAsync(Alice, "INBOX", 1))!.OpenRead());
        Assert.Equal("Subject: streamed\r\n\r\npart one, part two\r\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task An_aborted_or_refused_streaming_append_leaves_nothing()
    {
        var files = BodyFiles();
        await using (var append = await _bed.Store.BeginAppendAsync(Alice, "INBOX"))
        {
            await append.WriteAsync(Encoding.ASCII.GetBytes("Subject: never\r\n\r\nbody\r\n"));
        } // disposed without commit: the client went away mid-literal
        Assert.Empty(TempFiles());

        // Rights lost while the literal arrived: the commit checks again and refuses; the written body is removed.
        await _bed.Store.SetAclAsync(Alice, "INBOX", "bob", "lri");
        await using (var append = await _bed.Store.BeginAppendAsync(Bob, "~alice/INBOX"))
        {
            await append.WriteAsync(Encoding.ASCII.GetBytes("Subject: late\r\n\r\nbody\r\n"));
            await _bed.Store.SetAclAsync(Alice, "INBOX", "bob", "lr");
            Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => append.CommitAsync()));
        }
        // Quota is checked at commit too.
        _bed.Directory.Setting(SettingScope.ForAccount(A("alice")), SettingKeys.MailboxQuotaBytes, "10");
        await using (var append = await _bed.Store.BeginAppendAsync(Alice, "INBOX"))
        {
            await append.WriteAsync(Encoding.ASCII.GetBytes("Subject: too big\r\n\r\nbody\r\n"));
            Assert.Equal(MailboxError.OverQuota, await ErrorOf(() => append.CommitAsync()));
        }
        Assert.Empty(TempFiles());
        Assert.Equal(files, BodyFiles());
        Assert.Equal(0, _bed.StoredBodies());
        Assert.Equal(0, (await _bed.Store.GetStatusAsync(Alice, "INBOX")).Messages);
    }

    [Fact]
    public async Task Listrights_gives_the_owner_line_and_the_optional_groups_resolving_foreign_names_and_aliases()
    {
        await _bed.Store.SetAclAsync(U("marketing"), "INBOX", "bob", "lra");
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "mkt", "~marketing/INBOX");

        var owner = await _bed.Store.ListRightsAsync(Bob, "~marketing/INBOX", "marketing");
        Assert.Equal(("~marketing/INBOX", "marketing", "lrswipkxtecda"), (owner.Mailbox, owner.Identifier, MailboxRightsText.Format(owner.Required)));
        Assert.Empty(owner.Optional);
        var qualified = await _bed.Store.ListRightsAsync(Bob, "mkt", "Marketing@Company.Dom");
        Assert.Equal(("mkt", MailboxRights.All), (qualified.Mailbox, qualified.Required));

        var other = await _bed.Store.ListRightsAsync(Bob, "mkt", "alice");
        Assert.Equal("", MailboxRightsText.Format(other.Required));
        Assert.Equal("l r s w i p kc xted a", string.Join(' ', other.Optional.Select(MailboxRightsText.Format)));
        foreach (var id in new[] { "anyone", "-marketing", "#sales", "marketing@dept1.company.dom" })
            Assert.Equal(MailboxRights.None, (await _bed.Store.ListRightsAsync(U("marketing"), "INBOX", id)).Required);
        Assert.Equal(MailboxRights.All, (await _bed.Store.ListRightsAsync(U("marketing"), "INBOX", "marketing")).Required);

        // §5.4: needs a; visible without it → NOPERM, invisible → NONEXISTENT; a bad identifier → BAD.
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.ListRightsAsync(Bob, "~alice/INBOX", "bob")));
        await _bed.Store.SetAclAsync(Alice, "INBOX", "bob", "lr");
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.ListRightsAsync(Bob, "~alice/INBOX", "bob")));
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.ListRightsAsync(Bob, "~carol/INBOX", "bob")));
        Assert.Equal(MailboxError.BadRights, await ErrorOf(() => _bed.Store.ListRightsAsync(Bob, "mkt", "not valid!")));
    }

    [Fact]
    public async Task Rights_of_many_names_come_from_one_call_with_one_lookup_per_account()
    {
        await _bed.Store.SetAclAsync(U("marketing"), "INBOX", "anyone", "lrs");
        await _bed.Store.CreateAsync(U("marketing"), "announce");
        await _bed.Store.SetAclAsync(U("marketing"), "announce", "bob", "lr");
        await _bed.Store.SetMailboxAliasAsync(Bob, A("bob"), "mkt", "~marketing/announce");
        await _bed.Store.CreateAsync(Bob, "Sent");
        string[] names = ["INBOX", "Sent", "Drafts", "mkt", "~marketing/INBOX", "~marketing/announce", "~marketing/hidden", "~alice/INBOX", "~nobody/INBOX", "~marketing/INBOX"];

        var lookups = _bed.RouterLookups;
        var adminLookups = _bed.AdminLookups;
        var rights = await _bed.Store.GetRightsAsync(Bob, names);
        Assert.Equal(3, _bed.RouterLookups - lookups);         // marketing, alice, nobody: once each
        Assert.True(_bed.AdminLookups - adminLookups <= 1, "Bob's administrator rights are read once");

        Assert.Equal(names.Distinct().Count(), rights.Count);
        foreach (var name in names.Distinct())
            Assert.Equal(await _bed.Store.GetRightsAsync(Bob, name), rights[name]);
        Assert.Equal(("lrswipkxtecda", "", "lr", "lrs", ""), (MailboxRightsText.Format(rights["Sent"]), MailboxRightsText.Format(rights["Drafts"]),
            MailboxRightsText.Format(rights["mkt"]), MailboxRightsText.Format(rights["~marketing/INBOX"]), MailboxRightsText.Format(rights["~alice/INBOX"])));
    }

    [Fact]
    public async Task A_whole_subscription_list_is_saved_all_or_nothing()
    {
        await _bed.Store.SetAclAsync(U("marketing"), "INBOX", "anyone", "l");
        await _bed.Store.SubscribeAsync(Bob, A("bob"), "INBOX");
        await _bed.Store.SubscribeAsync(Bob, A("bob"), "Old");

        await _bed.Store.ReplaceSubscriptionsAsync(Bob, A("bob"), ["inbox", "Sent", "~marketing/INBOX", "Sent", "NotYet"]);
        Assert.Equal(["INBOX", "Sent", "~marketing/INBOX", "NotYet"], await _bed.Store.ListSubscriptionsAsync(Bob, A("bob")));
        Assert.Contains(_bed.Bus.Published.OfType<SubscriptionsChanged>(), s => s.Account == A("bob"));

        // One refused entry (a foreign mailbox Bob cannot see; a bad own name; too many) and the old list stays.
        Assert.Equal(MailboxError.NonExistent, await ErrorOf(() => _bed.Store.ReplaceSubscriptionsAsync(Bob, A("bob"), ["Drafts", "~alice/INBOX"])));
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.ReplaceSubscriptionsAsync(Bob, A("bob"), ["Drafts", "a//b"])));
        var tooMany = Enumerable.Range(0, 1001).Select(i => $"box{i}").ToList();
        Assert.Equal(MailboxError.Cannot, await ErrorOf(() => _bed.Store.ReplaceSubscriptionsAsync(Bob, A("bob"), tooMany)));
        Assert.Equal(MailboxError.NoPerm, await ErrorOf(() => _bed.Store.ReplaceSubscriptionsAsync(Alice, A("bob"), ["INBOX"])));
        Assert.Equal(["INBOX", "Sent", "~marketing/INBOX", "NotYet"], await _bed.Store.ListSubscriptionsAsync(Bob, A("bob")));

        await _bed.Store.ReplaceSubscriptionsAsync(Bob, A("bob"), []);
        Assert.Empty(await _bed.Store.ListSubscriptionsAsync(Bob, A("bob")));
    }

    private string[] TempFiles() => Directory.GetFiles(Path.Combine(_bed.Database.DataDirectory, "bodies", "tmp"));

    private string[] BodyFiles() => Directory.EnumerateFiles(Path.Combine(_bed.Database.DataDirectory, "bodies"), "*", SearchOption.AllDirectories)
        .Where(f => !f.Contains("/bodies/tmp/")).Order().ToArray();
}
