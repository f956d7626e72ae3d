using Kernel.Abstractions;

namespace Rules.Tests;

/// <summary>rules.md §3 order and stop semantics, the §12 acceptance tables, the Domain+Account merge, and the loop guard.</summary>
public sealed class EvaluationTests
{
    [Theory]
    [InlineData("dave@dept1.company.dom", "erin@dept1.company.dom", null)]
    [InlineData("dave@dept1.company.dom", "supervisor@hq.company.dom", null)]
    [InlineData("dave@dept1.company.dom", "x@far.dom", "You may send only to dept1.company.dom and to supervisor@hq.company.dom")]
    [InlineData("dave@dept1.company.dom", "erin@dept1.company.dom,x@far.dom", "You may send only to dept1.company.dom and to supervisor@hq.company.dom")]
    [InlineData("boss@dept1.company.dom", "x@far.dom", null)]
    [InlineData("alice@company.dom", "x@far.dom", null)]
    [InlineData("dave@dept1.company.dom", "SUPERVISOR@HQ.Company.DOM", null)]
    public async Task Section12_2Table(string sender, string recipients, string? reject)
    {
        var outcome = await RuleHarness.RunAsync(SpecSets.Dept1Limits, RuleHarness.Message("Subject: x", sender, recipients.Split(',')));
        Assert.Equal(reject, outcome.RejectText);
    }

    [Theory]
    [InlineData("alice@company.dom", true)]
    [InlineData("dave@dept1.company.dom", true)]
    [InlineData("x@elsewhere.dom", false)]
    public async Task Section12_1CopiesOnlyMailFromTheChosenDomains(string sender, bool copied)
    {
        var outcome = await RuleHarness.RunAsync(SpecSets.CopyOutgoing, RuleHarness.Message("Subject: x", sender, ["a@x.dom", "b@y.dom", "c@z.dom"]));
        Assert.Equal(copied ? ["~security/outgoing"] : [], outcome.Stores.Select(s => s.Mailbox));
        Assert.True(outcome.DefaultDelivery); // every recipient still receives it
    }

    [Fact]
    public async Task AStoreRequestNamesItsRuleSoTheKernelCanLogAFailedStore()
    {
        // rules.md §6.1: a failed store is logged with the rule name; the kernel runs server-wide stores after evaluation.
        var outcome = await RuleHarness.RunAsync(SpecSets.CopyOutgoing, RuleHarness.Message("Subject: x", "alice@company.dom"));
        Assert.Equal("copy-outgoing", Assert.Single(outcome.Stores).RuleName);
    }

    [Fact]
    public async Task WithBothSection12SetsARefusedMessageLeavesNoCopy()
    {
        var both = SpecSets.Dept1Limits.TrimEnd().TrimEnd(')') + ",\n" + SpecSets.CopyOutgoing.Trim()[1..];
        var refused = await RuleHarness.RunAsync(both, RuleHarness.Message("Subject: x", "dave@dept1.company.dom", ["x@far.dom"]));
        Assert.NotNull(refused.RejectText);
        Assert.Empty(refused.Stores);
        var accepted = await RuleHarness.RunAsync(both, RuleHarness.Message("Subject: x", "dave@dept1.company.dom", ["erin@dept1.company.dom"]));
        Assert.Equal("~security/outgoing", Assert.Single(accepted.Stores).Mailbox);
    }

    [Fact]
    public async Task HigherPriorityRunsFirstEqualPrioritiesKeepStoredOrderAndInactiveNeverRuns()
    {
        var outcome = await RuleHarness.RunAsync("""
            (
              (1, low, (), (("Add Header", "X-Low: 1"))),
              (5, mid-a, (), (("Add Header", "X-Mid-A: 1"))),
              (Inactive, off, (), (("Add Header", "X-Off: 1"))),
              (5, mid-b, (), (("Add Header", "X-Mid-B: 1"))),
              (Highest, top, (), (("Add Header", "X-Top: 1")))
            )
            """, RuleHarness.Message("Subject: x"));
        Assert.Equal(["X-Top", "X-Mid-A", "X-Mid-B", "X-Low"], outcome.HeaderEdits.Select(e => e.Name));
    }

    [Fact]
    public async Task ConditionsStopAtTheFirstFalseOne()
    {
        // The second condition would need the account's mailboxes; it is never asked once the first is false.
        var environment = new CountingEnvironment();
        await RuleHarness.RunAsync("((5, a, ((Subject, is, nope), (\"Existing Mailbox\", is, Junk)), ((Discard))))", RuleHarness.Message("Subject: x"), RuleScope.Account, environment);
        Assert.Equal(0, environment.MailboxQuestions);
    }

    [Fact]
    public async Task DomainAndAccountRulesMergeByPriorityDomainFirstAtEqualPriority()
    {
        var documents = new MemoryDocuments();
        await documents.SetAsync(RuleDocuments.ForDomain("company.dom"), "((5, d5, (), ((\"Add Header\", \"X-D5: 1\"))), (2, d2, (), ((\"Add Header\", \"X-D2: 1\"))))");
        await documents.SetAsync(RuleDocuments.ForAccount(RuleHarness.Alice), "((9, a9, (), ((\"Add Header\", \"X-A9: 1\"))), (5, a5, (), ((\"Add Header\", \"X-A5: 1\"), (\"Stop Processing\"))))");
        var engine = RuleHarness.Engine(documents);
        var outcome = await engine.EvaluateDeliveryAsync(RuleHarness.Message("Subject: x"), RuleHarness.Alice, CancellationToken.None);
        Assert.Equal(["X-A9", "X-D5", "X-A5"], outcome.HeaderEdits.Select(e => e.Name)); // Stop ends the merged list: d2 never runs
        // Another account of the domain gets the domain rules only; the server set is separate (§3.3).
        var bob = await engine.EvaluateDeliveryAsync(RuleHarness.Message("Subject: x"), new AccountAddress("bob", "company.dom"), CancellationToken.None);
        Assert.Equal(["X-D5", "X-D2"], bob.HeaderEdits.Select(e => e.Name));
        Assert.Same(RuleOutcome.Continue, await engine.EvaluateServerAsync(RuleHarness.Message("Subject: x"), CancellationToken.None));
    }

    [Fact]
    public async Task ACopyComingBackToAnAccountThatSentItOnIsNotSentAgainNorStoredTwice()
    {
        var documents = new MemoryDocuments();
        await documents.SetAsync(RuleDocuments.ForAccount(RuleHarness.Alice), "((5, fwd, (), ((\"Redirect to\", \"bob@company.dom\"))))");
        var engine = RuleHarness.Engine(documents);
        var first = await engine.EvaluateDeliveryAsync(RuleHarness.Message("Subject: x"), RuleHarness.Alice, CancellationToken.None);
        Assert.Single(first.Sends);
        var back = await engine.EvaluateDeliveryAsync(RuleHarness.Message("Subject: x\nX-Kernel-Rule-Via: alice@company.dom\nX-Kernel-Rule-Via: bob@company.dom"), RuleHarness.Alice, CancellationToken.None);
        Assert.Empty(back.Sends);
        Assert.False(back.DefaultDelivery); // alice kept a copy the first time
        Assert.Empty(back.Stores);
    }

    [Fact]
    public async Task ALoopOfRedirectsWithoutCopiesEndsInTheInboxSoNothingIsLost()
    {
        var documents = new MemoryDocuments();
        await documents.SetAsync(RuleDocuments.ForAccount(RuleHarness.Alice), "((1, \"#Redirect\", (), ((\"Mirror to\", \"bob@company.dom\"), (Discard))))");
        var engine = RuleHarness.Engine(documents);
        var back = await engine.EvaluateDeliveryAsync(RuleHarness.Message("Subject: x\nX-Kernel-Rule-Via: <alice@company.dom>"), RuleHarness.Alice, CancellationToken.None);
        Assert.Empty(back.Sends);
        Assert.True(back.DefaultDelivery);
    }

    private sealed class CountingEnvironment : IRuleEnvironment
    {
        private readonly FakeEnvironment _inner = new();
        public int MailboxQuestions { get; private set; }

        public Task<DateTimeOffset> NowAsync(AccountAddress? account, CancellationToken cancellationToken) => _inner.NowAsync(account, cancellationToken);

        public Task<bool> MailboxExistsAsync(AccountAddress account, string mailbox, CancellationToken cancellationToken)
        {
            MailboxQuestions++;
            return _inner.MailboxExistsAsync(account, mailbox, cancellationToken);
        }

        public Task<string?> PreferenceAsync(AccountAddress account, string name, CancellationToken cancellationToken) => _inner.PreferenceAsync(account, name, cancellationToken);

        public Task<IReadOnlyList<string>> RememberedAsync(AccountAddress account, string list, CancellationToken cancellationToken) => _inner.RememberedAsync(account, list, cancellationToken);

        public Task RememberAsync(AccountAddress account, string list, string address, CancellationToken cancellationToken) => _inner.RememberAsync(account, list, address, cancellationToken);
    }
}
