namespace Rules.Tests;

/// <summary>rules.md §9: the canonical and readable forms, their 1:1 conversion, and sets refused whole with <c>line N: reason</c> (§8).</summary>
public sealed class RuleTextTests
{
    [Theory]
    [InlineData(SpecSets.CopyOutgoing, SpecSets.CopyOutgoingReadable)]
    [InlineData(SpecSets.Dept1Limits, SpecSets.Dept1LimitsReadable)]
    public void SpecExamplesParseInBothFormsToTheSameSet(string canonical, string readable)
    {
        var fromCanonical = RuleHarness.Parse(canonical);
        var fromReadable = RuleHarness.Parse(readable);
        Assert.Equal(RulePrinter.ToCanonical(fromCanonical), RulePrinter.ToCanonical(fromReadable));
        // Printing and reading again gives the same set, in both directions.
        Assert.Equal(RulePrinter.ToCanonical(fromCanonical), RulePrinter.ToCanonical(RuleHarness.Parse(RulePrinter.ToReadable(fromCanonical))));
        Assert.Equal(RulePrinter.ToReadable(fromCanonical), RulePrinter.ToReadable(RuleHarness.Parse(RulePrinter.ToCanonical(fromReadable))));
    }

    [Fact]
    public void Section13SetParsesWithPriorityWordsEscapesAndDashes()
    {
        var set = RuleHarness.Parse(SpecSets.Examples13, RuleScope.Account);
        Assert.Equal([10, 5, 2, 1], set.Rules.Select(r => r.Priority));
        var vacation = set.Rules[2];
        Assert.Equal("Human Generated", vacation.Conditions[0].Data);
        Assert.Null(vacation.Conditions[0].Operation);
        Assert.Equal("Away until Monday.\nRegards", vacation.Actions[0].Parameter); // \e is a line break
        Assert.Equal("Remember 'From' in", vacation.Actions[1].Verb);
        Assert.Null(set.Rules[3].Actions[1].Parameter); // "---" is no parameter
        var printed = RulePrinter.ToCanonical(set);
        Assert.Contains("\"Away until Monday.\\eRegards\"", printed);
        Assert.Contains("(10, \"spam-to-junk\"", printed);
        Assert.Equal(printed, RulePrinter.ToCanonical(RuleHarness.Parse(printed, RuleScope.Account)));
    }

    [Fact]
    public void NamesAreMatchedCaseInsensitivelyAndWrittenBackInTheSpecSpelling()
    {
        var set = RuleHarness.Parse("""((3, r, ((return-path, "IS NOT", "x@y.dom"), ("any recipient", IN, "a@b.dom")), (("Redirect To", "c@d.dom"), ("stop processing"))))""");
        var rule = Assert.Single(set.Rules);
        Assert.Equal(["Return-Path", "Any Recipient"], rule.Conditions.Select(c => c.Data));
        Assert.Equal(["is not", "in"], rule.Conditions.Select(c => c.Operation));
        Assert.Equal(["Redirect to", "Stop Processing"], rule.Actions.Select(a => a.Verb));
    }

    [Theory]
    [InlineData("((5, \"a\", ((Subject, is, x)), ((Discard)))", "line 1: missing ')' for the '(' of line 1")]
    [InlineData("(\n(5, \"a\",\n ((Subject, is, \"x)),\n ((Discard))))", "line 3: a quoted string is not closed")]
    [InlineData("(\n  (5, a, (), ((Discard))) x\n)", "line 2: expected ',' or ')', found 'x'")]
    [InlineData("((11, a, (), ((Discard))))", "line 1: rule 'a': priority '11' is not 0…10, Inactive or Highest")]
    [InlineData("((5, a, (), ((Discard))), (5, A, (), ((Discard))))", "line 1: rule 'A': a second rule with this name (names are unique, case-insensitive)")]
    [InlineData("(\n(5, a,\n ((Colour, is, red)),\n ((Discard))))", "line 3: rule 'a': unknown condition 'Colour'")]
    [InlineData("((5, a, ((Subject, resembles, x)), ((Discard))))", "line 1: rule 'a': Subject: operation 'resembles' is not one of is, is not, in, not in")]
    [InlineData("((5, a, ((Subject, is)), ((Discard))))", "line 1: rule 'a': Subject: operation '' is not one of is, is not, in, not in")]
    [InlineData("((5, a, ((\"Message Size\", \"greater than\", \"12Q\")), ((Discard))))", "line 1: rule 'a': Message Size: '12Q' is not a byte count (digits with an optional K, M or G)")]
    [InlineData("((5, a, ((\"Time Of Day\", \"less than\", \"25:00\")), ((Discard))))", "line 1: rule 'a': Time Of Day: '25:00' is not HH:MM[:SS]")]
    [InlineData("((5, a, ((\"Current Date\", is, \"2026-13-01\")), ((Discard))))", "line 1: rule 'a': Current Date: '2026-13-01' is not YYYY-MM-DD or DD Mon YYYY")]
    [InlineData("((5, a, ((\"Current Day\", in, \"Mon, Funday\")), ((Discard))))", "line 1: rule 'a': Current Day: 'Funday' is not a weekday (Mon … Sun)")]
    [InlineData("((5, a, ((Source, is, \"somewhere\")), ((Discard))))", "line 1: rule 'a': Source: 'somewhere' is not one of authenticated, client, internal, remote")]
    [InlineData("((5, a, ((\"Header Field\", is, \"no colon\")), ((Discard))))", "line 1: rule 'a': Header Field: the parameter is 'Name: picture'")]
    [InlineData("((5, a, ((\"Human Generated\", is, x)), ((Discard))))", "line 1: rule 'a': Human Generated takes no operation or parameter")]
    [InlineData("((5, a, ((FreeBusy, is, x)), ((Discard))))", "line 1: rule 'a': condition 'FreeBusy' is not supported (not in v1)")]
    [InlineData("((5, a, (), ((Execute, \"rm -rf\"))))", "line 1: rule 'a': action 'Execute' is not supported (not in v1)")]
    [InlineData("((5, a, (), ((Launch, x))))", "line 1: rule 'a': unknown action 'Launch'")]
    [InlineData("((5, a, (), ()))", "line 1: rule 'a': a rule needs at least one action")]
    [InlineData("((5, a, (), ((\"Mirror to\", \"not-an-address\"))))", "line 1: rule 'a': Mirror to: 'not-an-address' is not an address (name@domain)")]
    [InlineData("((5, a, (), ((\"Store in\"))))", "line 1: rule 'a': Store in: a parameter is needed")]
    [InlineData("((5, a, (), ((Discard, now))))", "line 1: rule 'a': Discard takes no parameter")]
    [InlineData("((5, a, (), ((Mark, \"Seen, \\\\Bogus\"))))", "line 1: rule 'a': action Mark cannot be used in server rules")]
    [InlineData("((5, a, (), ((\"Reply with\", hi))))", "line 1: rule 'a': action Reply with cannot be used in server rules")]
    [InlineData("((5, a, ((\"Existing Mailbox\", is, Junk)), ((Discard))))", "line 1: rule 'a': condition Existing Mailbox cannot be used in server rules")]
    [InlineData("((5, a, ((From, in, \"#Friends\")), ((Discard))))", "line 1: rule 'a': From in: '#Friends' names an account's address list; only account rules may use it")]
    [InlineData("((5, a, (), ((Discard))))(", "line 1: text after the closing ')' of the rule set")]
    [InlineData("((((((5))))))", "line 1: lists nested too deeply")]
    public void BadServerSetsAreRefusedWithTheLineAndReason(string text, string error)
    {
        var result = RuleText.Parse(text, RuleScope.Server);
        Assert.False(result.Ok);
        Assert.Contains(error, result.Errors);
    }

    [Fact]
    public void EveryErrorOfASetIsReportedNotOnlyTheFirst()
    {
        var result = RuleText.Parse("(\n(5, a, ((Colour, is, red)), ((Discard))),\n(5, b, (), ((Launch))),\n(5, c, (), ((\"Store in\", Junk)))\n)", RuleScope.Server);
        Assert.Equal(["line 2: rule 'a': unknown condition 'Colour'", "line 3: rule 'b': unknown action 'Launch'"], result.Errors);
    }

    [Theory]
    [InlineData(RuleScope.Account, "((5, a, ((Source, is, internal)), ((Discard))))", "line 1: rule 'a': condition Source cannot be used in account rules")]
    [InlineData(RuleScope.Domain, "((5, a, (), ((\"Remember 'From' in\", L))))", "line 1: rule 'a': action Remember 'From' in cannot be used in domain rules")]
    [InlineData(RuleScope.Account, "((5, a, (), ((Mark, \"Seen, \\\\Bogus\"))))", "line 1: rule 'a': Mark: '\\Bogus' is not a flag (Seen, Flagged, Answered, Deleted, Draft or a keyword)")]
    [InlineData(RuleScope.Account, "((5, a, (), ((\"Add Header\", \"X-Ok: 1\\eno colon here\"))))", "line 1: rule 'a': Add Header: 'no colon here' is not 'Name: value'")]
    public void ScopeDecidesWhatASetMayHold(RuleScope scope, string text, string error)
    {
        var result = RuleText.Parse(text, scope);
        Assert.Contains(error, result.Errors);
    }

    [Fact]
    public void ReadableFormErrorsNameTheirLines()
    {
        var text = "rule \"a\" priority 5\n  if Colour is \"red\"\n  do Discard\nend\nrule \"b\" priority high\n  do Discard\nend\n  do Discard\nrule \"c\" priority 1\n  and Subject is \"x\"\n  do Launch \"x\"\n";
        var result = RuleText.Parse(text, RuleScope.Server);
        Assert.Equal(
        [
            "line 2: unknown condition 'Colour is \"red\"'",
            "line 5: rule 'b': expected priority <0…10|Inactive|Highest> after the name",
            "line 6: 'do' outside a rule",
            "line 7: 'end' without a rule",
            "line 8: 'do' outside a rule",
            "line 10: the first condition starts with 'if', the others with 'and'",
            "line 11: unknown action 'Launch \"x\"'",
            "line 11: the last rule has no 'end'",
        ], result.Errors);
    }

    [Fact]
    public void LimitsAreEnforced()
    {
        string Rules(int n) => "(" + string.Join(",", Enumerable.Range(0, n).Select(i => $"(5, r{i}, (), ((Discard)))")) + ")";
        Assert.True(RuleText.Parse(Rules(RuleLimits.MaxRules), RuleScope.Server).Ok);
        Assert.Contains("more than 200 rules in a set", Assert.Single(RuleText.Parse(Rules(RuleLimits.MaxRules + 1), RuleScope.Server).Errors));

        var conditions = string.Join(",", Enumerable.Range(0, 33).Select(_ => "(Subject, is, x)"));
        Assert.Contains("line 1: rule 'a': more than 32 conditions", RuleText.Parse($"((5, a, ({conditions}), ((Discard))))", RuleScope.Server).Errors);

        var big = new string('x', RuleLimits.MaxParameterBytes + 1);
        Assert.Contains($"line 1: rule 'a': Subject: the parameter is longer than 4096 bytes", RuleText.Parse($"((5, a, ((Subject, is, \"{big}\")), ((Discard))))", RuleScope.Server).Errors);

        var addresses = string.Join(", ", Enumerable.Range(0, 65).Select(i => $"u{i}@x.dom"));
        Assert.Contains("line 1: rule 'a': Mirror to: 65 addresses; at most 64", RuleText.Parse($"((5, a, (), ((\"Mirror to\", \"{addresses}\"))))", RuleScope.Server).Errors);

        // A huge text is refused before it is read; a set over 64 KiB once printed is refused too.
        var huge = RuleText.Parse(new string('(', 200_000), RuleScope.Server);
        Assert.StartsWith("line 1: the text is 200000 bytes", Assert.Single(huge.Errors));
        var wide = "(" + string.Join(",", Enumerable.Range(0, 20).Select(i => $"(5, r{i}, ((Subject, is, \"{new string('y', 4000)}\")), ((Discard)))")) + ")";
        Assert.StartsWith("line 1: the set is ", Assert.Single(RuleText.Parse(wide, RuleScope.Server).Errors));
    }

    [Fact]
    public void AnEmptyTextIsTheEmptySet()
    {
        Assert.Empty(RuleHarness.Parse("").Rules);
        Assert.Empty(RuleHarness.Parse("()").Rules);
        Assert.Equal("()\n", RulePrinter.ToCanonical(RuleSet.Empty));
    }
}
