using Kernel.Abstractions;

namespace Rules.Tests;

/// <summary>
/// The speed work of issue 12: compiled pictures and the rule index. The index only narrows which rules are tested, so
/// an indexed set must give exactly the outcome (fired rules, order, stops, edits) of a walk over every rule.
/// </summary>
public sealed class RuleIndexTests
{
    private static readonly string[] Pictures =
    [
        "alice@company.dom", "ALICE@Company.DOM", "*@company.dom", "*@dept1.company.dom", "*@*.company.dom", "bo*", "*ob*", "*", "",
        "*@far.dom", "x*y", "*figures", "quarterly*", "*TICKET 7*", "*ticket 1*", "zoe*@*", "*é*", "Émile*", "a", "*o*", "internal", "none",
    ];

    private static readonly string[] Data =
    [
        "From", "To", "Cc", "Sender", "Reply-To", "Return-Path", "Any Recipient", "Each Recipient", "Any To or Cc", "Each To or Cc",
        "'From' Name", "Subject", "Message-ID", "Header Field", "Source", "Security", "Submit Address",
    ];

    private static readonly string[] Operations = ["is", "is not", "in", "not in"];

    [Theory]
    [InlineData("*@*.company.dom", "a@dept1.company.dom")]
    [InlineData("*@*.company.dom", "a@company.dom")]
    [InlineData("a?c@x.dom", "A?C@X.DOM")]
    [InlineData("**x**", "aXb")]
    [InlineData("*ÉMILE*", "émile")] // only ASCII letters fold (§4)
    [InlineData("*ÉMILE*", "Émile")]
    [InlineData("abc*", "ab")]
    [InlineData("*abc", "ABC")]
    [InlineData("a*b*c", "aXbYc")]
    [InlineData("a*b*c", "acb")]
    [InlineData("", "")]
    [InlineData("*", "")]
    public void CompiledPicturesAgreeWithThePictureWalk(string picture, string text) =>
        Assert.Equal(Picture.Matches(picture, text), PictureMatcher.Create(picture).Matches(AsciiFold.Fold(text)));

    [Fact]
    public void EveryPictureShapeAgreesWithThePictureWalkOnEveryValue()
    {
        var values = Pictures.Concat(["Alice@company.dom", "bob@dept1.company.dom", "quarterly figures", "xay", "Émile Zola", "émile", "ticket 7", "o"]).ToList();
        foreach (var picture in Pictures)
        {
            var matcher = PictureMatcher.Create(picture);
            foreach (var value in values)
                Assert.True(Picture.Matches(picture, value) == matcher.Matches(AsciiFold.Fold(value)), $"picture '{picture}' against '{value}'");
        }
    }

    [Fact]
    public async Task AnIndexedSetGivesTheOutcomeOfAWalkOverEveryRule()
    {
        // Random sets and messages (fixed seed): the indexed evaluation and the plain list must agree on every run.
        var random = new Random(12);
        for (var round = 0; round < 60; round++)
        {
            var rules = Enumerable.Range(0, 40).Select(i => RandomRule(random, i)).ToList();
            var indexed = CompiledRule.CompileSet(new RuleSet(rules), RuleScope.Server);
            var walked = indexed.ToList();
            for (var m = 0; m < 8; m++)
            {
                var input = RandomMessage(random);
                var a = await new RuleEvaluator(new FakeEnvironment()).EvaluateAsync(indexed, input, null, CancellationToken.None);
                var b = await new RuleEvaluator(new FakeEnvironment()).EvaluateAsync(walked, input, null, CancellationToken.None);
                Assert.Equal(b.Trace, a.Trace);
                Assert.Equal(b.RejectText, a.RejectText);
                Assert.Equal(b.DefaultDelivery, a.DefaultDelivery);
                Assert.Equal(b.Stores, a.Stores);
                Assert.Equal(b.HeaderEdits, a.HeaderEdits);
            }
        }
    }

    [Fact]
    public void ALargeSetOfAdministratorRulesVisitsOnlyTheRulesThatCanMatch()
    {
        // The shape of bench/Rules: 1,000 rules keyed by sender, recipient, subject and header pictures.
        var rules = Enumerable.Range(0, 1000).Select(i => new Rule($"r{i}", 1 + i % 9, (i % 4) switch
        {
            0 => [new Condition("Return-Path", "in", $"*@dept{i}.company.dom, boss{i}@company.dom")],
            1 => [new Condition("Any Recipient", "is", $"*@partner{i}.dom")],
            2 => [new Condition("Subject", "is", $"*ticket {i}*"), new Condition("Message Size", "greater than", "1M")],
            _ => [new Condition("Header Field", "is", $"X-Campaign: c{i}"), new Condition("From", "not in", "*@company.dom")],
        }, [new RuleAction("Store in", $"~archive/r{i}")])).ToList();
        var set = CompiledRule.CompileSet(new RuleSet(rules), RuleScope.Server);
        Assert.Equal(0, set.Index.AlwaysVisited);

        var input = RuleHarness.Message("From: zoe@example.dom\nSubject: about Ticket 42 again\nX-Campaign: C7", "boss8@company.dom", ["a@partner5.dom", "b@x.dom"]);
        var candidates = set.Index.Candidates(new MessageFacts(input));
        var names = Enumerable.Range(0, set.Count).Where(i => (candidates[i >> 6] >> (i & 63) & 1) == 1).Select(i => set[i].Rule.Name).Order().ToList();
        // boss8 (exact), partner5 (suffix), "ticket 42" (contained), c7 (exact, case folded): those must be candidates,
        // and next to none of the other 996.
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "r8", "r5", "r42", "r7" });
        Assert.True(names.Count <= 6, string.Join(", ", names));
    }

    [Fact]
    public async Task AHeaderAddedByARuleIsSeenByALaterIndexedRule()
    {
        // §6 Add Header: later rules see the field, although the index was read before it existed.
        var outcome = await RuleHarness.RunAsync("""
            (
              (9, tagger, (), (("Add Header", "X-Tag: hot"))),
              (5, reader, (("Header Field", "is", "X-Tag: HOT")), (("Store in", "~security/hot")))
            )
            """, RuleHarness.Message("Subject: x"));
        Assert.Equal("~security/hot", Assert.Single(outcome.Stores).Mailbox);
    }

    [Fact]
    public async Task StopProcessingInAnIndexedRuleEndsTheSetInPriorityOrder()
    {
        var outcome = await RuleHarness.RunAsync("""
            (
              (3, late, (("Return-Path", "is", "*@company.dom")), (("Store in", "~security/late"))),
              (7, early, (("Any Recipient", "in", "bob@company.dom, x@y.dom")), (("Store in", "~security/early"), ("Stop Processing"))),
              (9, first, (("Subject", "is", "*report*")), (("Store in", "~security/first")))
            )
            """, RuleHarness.Message("Subject: Monthly REPORT"));
        Assert.Equal(["~security/first", "~security/early"], outcome.Stores.Select(s => s.Mailbox));
    }

    private static Rule RandomRule(Random random, int i)
    {
        var conditions = Enumerable.Range(0, random.Next(0, 3)).Select(_ => RandomCondition(random)).ToList();
        var actions = new List<RuleAction> { new("Store in", $"~a/r{i}") };
        switch (random.Next(10))
        {
            case 0: actions.Add(new RuleAction("Add Header", $"X-A: {Pick(random, Pictures).Replace("*", "", StringComparison.Ordinal)}")); break;
            case 1: actions.Add(new RuleAction("Stop Processing", null)); break;
            case 2: actions.Add(new RuleAction("Tag Subject", "[t]")); break;
            case 3: actions.Add(new RuleAction("Discard", null)); break;
        }
        return new Rule($"r{i}", random.Next(0, 11), conditions, actions);
    }

    private static Condition RandomCondition(Random random)
    {
        var data = Pick(random, Data);
        var op = Pick(random, Operations);
        var parameter = op.EndsWith("in", StringComparison.Ordinal)
            ? string.Join(", ", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, Pictures)).Where(p => p.Length > 0).DefaultIfEmpty("a"))
            : Pick(random, Pictures);
        if (data == "Header Field") parameter = $"{(random.Next(2) == 0 ? "X-A" : "x-b")}: {parameter}";
        return new Condition(data, op, parameter);
    }

    private static RuleInput RandomMessage(Random random)
    {
        string[] people = ["alice@company.dom", "Bob@Dept1.Company.dom", "zoe@far.dom", "\"Émile\" <emile@x.dom>", "xay", "o@o.o"];
        var header = $"From: {Pick(random, people)}\nTo: {Pick(random, people)}, {Pick(random, people)}\nSubject: {Pick(random, ["quarterly figures", "Ticket 7 open", "bob", "é"])}";
        if (random.Next(2) == 0) header += $"\nCc: {Pick(random, people)}";
        if (random.Next(2) == 0) header += $"\nX-A: {Pick(random, ["alice@company.dom", "bo", "none", "xzy"])}";
        if (random.Next(3) == 0) header += $"\nX-B: {Pick(random, ["a", "internal"])}";
        string[] senders = ["alice@company.dom", "zoe@far.dom", "", "o@o.o"];
        return RuleHarness.Message(header, Pick(random, senders), [.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => Pick(random, senders.Where(s => s.Length > 0).Append("bob@dept1.company.dom").ToArray()))]);
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
