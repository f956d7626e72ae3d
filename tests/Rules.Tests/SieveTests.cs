namespace Rules.Tests;

/// <summary>rules.md §10: Sieve export of what lines up, import of exactly-converting scripts, refusal naming the line that does not.</summary>
public sealed class SieveTests
{
    [Fact]
    public void Section12_1ExportsAsTheSpecShows()
    {
        var export = SieveExporter.Export(RuleHarness.Parse(SpecSets.CopyOutgoing), RuleScope.Server);
        Assert.Empty(export.Problems);
        var body = string.Join("\n", export.Script.Split('\n').Where(l => !l.StartsWith('#')));
        Assert.Equal(SpecSets.CopyOutgoingSieve.Trim(), body.Trim());
    }

    [Fact]
    public void Section12_2DoesNotExportExactlyAtServerScope()
    {
        var export = SieveExporter.Export(RuleHarness.Parse(SpecSets.Dept1Limits), RuleScope.Server);
        Assert.Equal(["rule 'dept1-limits': condition Any Recipient not in does not line up with a Sieve test"], export.Problems);
    }

    [Theory]
    [InlineData(RuleScope.Server, SpecSets.CopyOutgoing)]
    [InlineData(RuleScope.Account, """
        (
          (Highest, "spam-to-junk", (("Header Field", "is", "X-Spam-Flag: YES")), ((Mark, "Seen, $Spam"), ("Store in", "Junk"))),
          (7, "big", (("Message Size", "greater than", "5M"), (Subject, "not in", "*urgent*, *asap*")), (("Mirror to", "archive@company.dom"), (Discard))),
          (6, "from-boss", ((From, is, "boss@company.dom"), ("Any Recipient", "is", "alice@*"), ("Existing Mailbox", is, Boss)), (("Store in", "Boss"), ("Stop Processing"))),
          (5, "weekend", (("Current Day", "in", "Sat, Sun"), ("Time Of Day", "less than", "08:00:00"), ("Current Date", "greater than", "2026-01-01")), (("Add Header", "X-Weekend: yes"))),
          (4, "human", (("Human Generated"), ("'From' Name", is, "Zo*")), (("Reject with", "go away")))
        )
        """)]
    public void ExportThenImportGivesTheSameSet(RuleScope scope, string set)
    {
        var original = RuleHarness.Parse(set, scope);
        var export = SieveExporter.Export(original, scope);
        Assert.Empty(export.Problems);
        var imported = SieveImporter.Import(export.Script, scope);
        Assert.True(imported.Ok, string.Join("\n", imported.Errors) + "\n" + export.Script);
        Assert.Equal(RulePrinter.ToCanonical(original), RulePrinter.ToCanonical(imported.Set!));
    }

    [Fact]
    public void AForeignScriptImportsWithItsSieveMeaning()
    {
        var script = """
            require ["fileinto", "envelope"];
            # a hand-written script
            if allof (header :contains "subject" "invoice", address :domain "from" "shop.dom") {
              fileinto "Bills";
            }
            if exists "X-Spam" { discard; stop; }
            if envelope :is "to" "alice@company.dom" { redirect "me@other.dom"; }
            """;
        var result = SieveImporter.Import(script, RuleScope.Account);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal("""
            rule "sieve-1" priority 5
              if  Subject is "*invoice*"
              and From is "*@shop.dom"
              do  Store in "Bills"
            end

            rule "sieve-2" priority 5
              if  Header Field is "X-Spam: *"
              do  Discard
              do  Stop Processing
            end

            rule "sieve-3" priority 5
              if  Any Recipient is "alice@company.dom"
              do  Mirror to "me@other.dom"
              do  Discard
            end

            """.ReplaceLineEndings("\n"), RulePrinter.ToReadable(result.Set!));
    }

    [Theory]
    [InlineData("require \"vacation\";\nvacation \"away\";", "line 1: require \"vacation\": an extension that does not convert")]
    [InlineData("if true { fileinto \"x\"; }", "line 1: 'fileinto' is used without require \"fileinto\" (RFC 5228 §3.2)")]
    [InlineData("if header :is \"subject\" \"a\" { discard; }\nelse { keep; }", "line 2: 'else' does not convert (each rule is one if block)")]
    [InlineData("if anyof (header :is \"subject\" \"a\", header :is \"subject\" \"b\") { discard; }", "line 1: anyof with more than one test does not convert (rule conditions are joined by AND)")]
    [InlineData("if header :matches \"subject\" \"a?c\" { discard; }", "line 1: key \"a?c\": the '?' wildcard does not convert")]
    [InlineData("if header :is :comparator \"i;octet\" \"subject\" \"a\" { discard; }", "line 1: header: only the i;ascii-casemap comparator converts (pictures are case-insensitive)")]
    [InlineData("if true {\n  if true { discard; }\n}", "line 2: command 'if' does not convert inside a block")]
    [InlineData("if body :contains \"x\" { discard; }", "line 1: test 'body' does not convert")]
    [InlineData("if header :is \"subject\" \"a\" { discard; ", "line 1: expected '}', found 'end of script'")]
    [InlineData("if header :is \"subject\" \"a { discard; }", "line 1: a quoted string is not closed")]
    public void ScriptsThatDoNotConvertAreRefusedWithTheLine(string script, string error)
    {
        var result = SieveImporter.Import(script, RuleScope.Account);
        Assert.False(result.Ok);
        Assert.Equal(error, Assert.Single(result.Errors));
    }

    [Fact]
    public void ServerScopeNeedsCopyForFileintoAndRefusesEnvelopeTo()
    {
        Assert.Equal("line 2: fileinto without :copy does not convert at server scope",
            Assert.Single(SieveImporter.Import("require \"fileinto\";\nfileinto \"~s/x\";", RuleScope.Server).Errors));
        Assert.Equal("line 2: envelope to: does not convert at server scope (§10.2)",
            Assert.Single(SieveImporter.Import("require \"envelope\";\nif envelope :is \"to\" \"a@b.dom\" { discard; }", RuleScope.Server).Errors));
    }

    [Fact]
    public void ActionsWithoutAnExactFormAreExportedAsCommentsAndNamed()
    {
        var export = SieveExporter.Export(RuleHarness.Parse("((5, r, (), ((\"Forward to\", \"a@b.dom\"), (\"Reply with\", \"hi\"))))", RuleScope.Account), RuleScope.Account);
        Assert.Equal(["rule 'r': action Forward to has no exact Sieve form (exported as a comment)", "rule 'r': action Reply with has no exact Sieve form (exported as a comment)"], export.Problems);
        Assert.Contains("  # not exported: Forward to \"a@b.dom\"", export.Script);
    }
}
