using Kernel.Abstractions;

namespace Rules.Tests;

/// <summary>rules.md §6: one row per action, at the scope it belongs to, checked against the outcome the kernel carries out.</summary>
public sealed class ActionRowTests
{
    private const string Header = "From: Zoe <zoe@example.dom>\nTo: alice@company.dom\nCc: carol@company.dom\nSubject: Plans\nMessage-ID: <m1@example.dom>";

    private static Task<RuleOutcome> Account(string actions, string header = Header, string sender = "zoe@example.dom", FakeEnvironment? environment = null) =>
        RuleHarness.RunAsync($"((5, row, (), ({actions})))", RuleHarness.Message(header, sender, ["alice@company.dom"]), RuleScope.Account, environment);

    private static Task<RuleOutcome> Server(string actions) =>
        RuleHarness.RunAsync($"((5, row, (), ({actions})))", RuleHarness.Message(Header, "zoe@example.dom", ["alice@company.dom"]));

    [Fact]
    public async Task StoreInReplacesInboxAtAccountScopeAndIsACopyAtServerScope()
    {
        var account = await Account("(\"Store in\", Junk)");
        Assert.False(account.DefaultDelivery);
        Assert.Equal("Junk", Assert.Single(account.Stores).Mailbox);
        var both = await Account("(\"Store in\", Junk), (\"Store in\", INBOX)");
        Assert.Equal(["Junk", "INBOX"], both.Stores.Select(s => s.Mailbox));
        var server = await Server("(\"Store in\", \"~security/outgoing\")");
        Assert.True(server.DefaultDelivery);
        Assert.Equal("~security/outgoing", Assert.Single(server.Stores).Mailbox);
    }

    [Fact]
    public async Task MarkFlagsTheStoredCopies()
    {
        var outcome = await Account("(Mark, \"Seen, \\\\Flagged, $Work\")");
        Assert.True(outcome.DefaultDelivery);
        Assert.Equal(["Seen", "\\Flagged", "$Work"], outcome.AddFlags);
    }

    [Fact]
    public async Task AddHeaderAddsFieldsThatLaterRulesSee()
    {
        var outcome = await RuleHarness.RunAsync("""
            (
              (9, first, (), (("Add Header", "X-Checked: yes\eX-Other: 2"))),
              (5, second, (("Header Field", "is", "X-Checked: yes")), (("Add Header", "X-Seen-Checked: 1")))
            )
            """, RuleHarness.Message(Header));
        Assert.Equal(["X-Checked", "X-Other", "X-Seen-Checked"], outcome.HeaderEdits.Select(e => e.Name));
        Assert.True(outcome.DefaultDelivery);
    }

    [Fact]
    public async Task TagSubjectPrefixesOnceAndNotWhenAlreadyTagged()
    {
        var outcome = await Server("(\"Tag Subject\", \"[ext]\")");
        Assert.Equal([new HeaderEdit("Subject", null), new HeaderEdit("Subject", "[ext] Plans")], outcome.HeaderEdits);
        var twice = await RuleHarness.RunAsync("((5, a, (), ((\"Tag Subject\", \"[ext]\"))), (4, b, (), ((\"Tag Subject\", \"[ext]\"), (\"Tag Subject\", \"[big]\"))))", RuleHarness.Message(Header));
        Assert.Equal([new HeaderEdit("Subject", null), new HeaderEdit("Subject", "[big] [ext] Plans")], twice.HeaderEdits);
        var already = await RuleHarness.RunAsync("((5, a, (), ((\"Tag Subject\", \"plans\"))))", RuleHarness.Message(Header));
        Assert.Empty(already.HeaderEdits);
    }

    [Fact]
    public async Task DiscardCancelsDeliveryButDoesNotStop()
    {
        var outcome = await RuleHarness.RunAsync("((5, a, (), ((Discard))), (4, b, (), ((\"Mirror to\", \"x@y.dom\"))))", RuleHarness.Message(Header));
        Assert.False(outcome.DefaultDelivery);
        Assert.Equal(new OutboundCopy("x@y.dom", OutboundCopyMode.Mirror), Assert.Single(outcome.Sends));
    }

    [Fact]
    public async Task StopProcessingRunsTheRestOfItsRuleAndNoLaterRule()
    {
        var outcome = await RuleHarness.RunAsync("((5, a, (), ((\"Stop Processing\"), (\"Add Header\", \"X-A: 1\"))), (4, b, (), ((\"Add Header\", \"X-B: 1\"))))", RuleHarness.Message(Header));
        Assert.Equal(["X-A"], outcome.HeaderEdits.Select(e => e.Name));
    }

    [Fact]
    public async Task RejectEndsProcessingAndDropsEverythingPlanned()
    {
        var outcome = await RuleHarness.RunAsync("((9, a, (), ((\"Store in\", \"~s/x\"), (\"Reject with\", \"no \\e thanks\"), (\"Add Header\", \"X-A: 1\"))), (4, b, (), ((\"Add Header\", \"X-B: 1\"))))", RuleHarness.Message(Header));
        Assert.Equal("no   thanks", outcome.RejectText);
        Assert.Empty(outcome.Stores);
        Assert.Empty(outcome.HeaderEdits);
        Assert.False(outcome.DefaultDelivery);
        var longText = await Server($"(\"Reject with\", \"{new string('x', 300)}\")");
        Assert.Equal(200, longText.RejectText!.Length); // §6.1: cut at 200
    }

    [Theory]
    [InlineData("Mirror to", OutboundCopyMode.Mirror)]
    [InlineData("Redirect to", OutboundCopyMode.Redirect)]
    [InlineData("Forward to", OutboundCopyMode.Forward)]
    public async Task CopiesGoToEveryAddressButNeverToTheAccountItself(string verb, OutboundCopyMode mode)
    {
        var outcome = await Account($"(\"{verb}\", \"a@x.dom, <b@y.dom>, ALICE@company.dom, a@x.dom\")");
        Assert.Equal([new OutboundCopy("a@x.dom", mode), new OutboundCopy("b@y.dom", mode)], outcome.Sends);
        Assert.True(outcome.DefaultDelivery); // §6: the copies keep default delivery
    }

    [Fact]
    public async Task ReplyGoesToReplyToElseFromFromTheAccount()
    {
        var reply = Assert.Single((await Account("(\"Reply with\", \"Away.\\eBack Monday\")")).Replies);
        Assert.Equal(new ReplyRequest("zoe@example.dom", "alice@company.dom", "Plans", "Away.\nBack Monday"), reply);
        var toReplyTo = Assert.Single((await Account("(\"Reply to All with\", \"ok\")", Header + "\nReply-To: team@example.dom")).Replies);
        Assert.Equal(new ReplyRequest("team@example.dom", "alice@company.dom", "Plans", "ok", ReplyAll: true), toReplyTo);
    }

    [Theory]
    [InlineData("Auto-Submitted: auto-replied", "zoe@example.dom")]
    [InlineData("Precedence: bulk", "zoe@example.dom")]
    [InlineData("List-Id: <l.example.dom>", "zoe@example.dom")]
    [InlineData("X-Plain: 1", "")]
    public async Task NoAutoReplyToAutomaticListOrBulkMail(string field, string sender)
    {
        var outcome = await Account("(\"Reply with\", \"Away\")", Header + "\n" + field, sender);
        Assert.Empty(outcome.Replies);
        Assert.Contains(outcome.Trace, t => t.Contains("not human generated (RFC 3834)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheStockVacationRuleAnswersEachSenderOnce()
    {
        var environment = new FakeEnvironment();
        var first = await RuleHarness.RunAsync(SpecSets.Examples13, RuleHarness.Message(Header, "zoe@example.dom"), RuleScope.Account, environment);
        Assert.Single(first.Replies);
        Assert.Equal(["zoe@example.dom"], environment.Lists["RepliedAddresses"]);
        var second = await RuleHarness.RunAsync(SpecSets.Examples13, RuleHarness.Message(Header, "zoe@example.dom"), RuleScope.Account, environment);
        Assert.Empty(second.Replies);
        // #Redirect (priority 1) still mirrors and discards: forwarding everything without keeping a copy (§6 notes).
        Assert.False(second.DefaultDelivery);
        Assert.Equal(new OutboundCopy("me@other.dom", OutboundCopyMode.Mirror), Assert.Single(second.Sends));
    }

    [Fact]
    public async Task Section13SpamRuleStoresInJunk()
    {
        var outcome = await RuleHarness.RunAsync(SpecSets.Examples13, RuleHarness.Message(Header + "\nX-Spam-Flag: YES\nAuto-Submitted: auto-generated"), RuleScope.Account);
        Assert.Equal(["Junk"], outcome.Stores.Select(s => s.Mailbox));
        Assert.Empty(outcome.Replies);
    }
}
