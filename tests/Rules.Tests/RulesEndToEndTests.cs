namespace Rules.Tests;

/// <summary>
/// Issue 12 end to end against a running <c>kernel serve</c> with the Rules plugin: the seed's two recipes (§12),
/// account rules changed live, rule loops, stores that cannot happen, bad rule text, and the CLI forms. Messages enter
/// with <c>kernel submit</c>; results are read as mailbox message counts.
/// </summary>
public sealed class RulesEndToEndTests(RulesServerFixture server) : IClassFixture<RulesServerFixture>
{
    private const string RejectText = "You may send only to dept1.company.dom and to supervisor@hq.company.dom";

    private static string Both => SpecSets.Dept1Limits.TrimEnd().TrimEnd(')') + ",\n" + SpecSets.CopyOutgoing.Trim()[1..];

    [Fact]
    public async Task Recipe12_1CopiesMailFromChosenDomainsAndTheOriginalsStillArrive()
    {
        await server.SetRules("server", SpecSets.CopyOutgoing);
        var outgoing = await server.Count("security@company.dom", "outgoing");
        var before = new[] { "bob@company.dom", "carol@company.dom", "erin@dept1.company.dom" }.ToDictionary(a => a, a => server.Count(a).Result);

        var sent = await server.Submit("alice@company.dom", ["bob@company.dom", "carol@company.dom", "erin@dept1.company.dom"], "three recipients");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var foreign = await server.Submit("x@elsewhere.dom", ["bob@company.dom"], "from elsewhere");
        Assert.True(foreign.ExitCode == 0, foreign.ToString());
        await server.WaitForLocalDeliveries();

        Assert.Equal(before["bob@company.dom"] + 2, await server.Count("bob@company.dom"));
        Assert.Equal(before["carol@company.dom"] + 1, await server.Count("carol@company.dom"));
        Assert.Equal(before["erin@dept1.company.dom"] + 1, await server.Count("erin@dept1.company.dom"));
        Assert.Equal(outgoing + 1, await server.Count("security@company.dom", "outgoing")); // one copy for three recipients, none for elsewhere
    }

    [Fact]
    public async Task Recipe12_1WithoutTheOutgoingMailboxStillDeliversAndLogs()
    {
        await server.SetRules("server", "((5, \"copy-missing\", ((\"Return-Path\", \"is\", \"*@company.dom\")), ((\"Store in\", \"~security/missing\"))))");
        var bob = await server.Count("bob@company.dom");
        Assert.Equal(0, (await server.Submit("alice@company.dom", ["bob@company.dom"], "no target")).ExitCode);
        await server.WaitForLocalDeliveries();
        Assert.Equal(bob + 1, await server.Count("bob@company.dom"));
        await server.Kernel.WaitForLogAsync(l => l.Contains("server-wide rule 'copy-missing': store into missing of security@company.dom failed", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("missing", (await server.Counts("security@company.dom")).Keys); // rules never create mailboxes
    }

    /// <summary>The table of rules.md §12.2, with §12.1 installed too (one server, rows submitted in turn).</summary>
    private static readonly (string Sender, string[] To, bool Accepted)[] Section12_2 =
    [
        ("dave@dept1.company.dom", ["erin@dept1.company.dom"], true),
        ("dave@dept1.company.dom", ["supervisor@hq.company.dom"], true),
        ("dave@dept1.company.dom", ["x@far.dom"], false),
        ("dave@dept1.company.dom", ["erin@dept1.company.dom", "x@far.dom"], false), // one outside recipient refuses the whole message
        ("boss@dept1.company.dom", ["x@far.dom"], true),
        ("alice@company.dom", ["x@far.dom"], true),
        ("dave@dept1.company.dom", ["SUPERVISOR@HQ.Company.DOM"], true),
    ];

    [Fact]
    public async Task Recipe12_2LimitsDept1SendersAndARefusedMessageLeavesNothing()
    {
        await server.SetRules("server", Both);
        var outgoing = await server.Count("security@company.dom", "outgoing");
        var erin = await server.Count("erin@dept1.company.dom");
        foreach (var (sender, to, accepted) in Section12_2)
        {
            var result = await server.Submit(sender, to, $"limits {string.Join(",", to)}");
            if (accepted)
            {
                Assert.True(result.ExitCode == 0, $"{sender} → {string.Join(",", to)}: {result}");
                continue;
            }
            // rules.md §1/§6.1: a server-wide Reject refuses the submission with 5.7.1 and the text; nothing is queued.
            Assert.True(result.ExitCode != 0, $"{sender} → {string.Join(",", to)}: {result}");
            Assert.Contains($"5.7.1 {RejectText}", result.Error);
        }
        await server.WaitForLocalDeliveries();
        // Five accepted messages, each copied once; the refused ones left no copy (the priority-9 Reject ran first)
        // and nothing in erin's INBOX.
        Assert.Equal(outgoing + 5, await server.Count("security@company.dom", "outgoing"));
        Assert.Equal(erin + 1, await server.Count("erin@dept1.company.dom"));
    }

    [Fact]
    public async Task AccountRulesChangeWhileTheServerRunsAndStoreInReplacesInbox()
    {
        await server.SetRules("server", "()");
        var carol = await server.Counts("carol@company.dom");
        await server.SetRulesLive("account carol@company.dom", "rules.account.carol@company.dom",
            "rule \"private\" priority 5\n  if Subject is \"*secret*\"\n  do Store in \"Private\"\n  do Mark \"Seen\"\nend\n");
        Assert.Equal(0, (await server.Submit("alice@company.dom", ["carol@company.dom"], "the secret plan")).ExitCode);
        Assert.Equal(0, (await server.Submit("alice@company.dom", ["carol@company.dom"], "lunch")).ExitCode);
        await server.WaitForLocalDeliveries();
        var after = await server.Counts("carol@company.dom");
        Assert.Equal(carol["Private"] + 1, after["Private"]);
        Assert.Equal(carol["INBOX"] + 1, after["INBOX"]);

        // Replace the set without a restart: the next message follows the new set.
        await server.SetRulesLive("account carol@company.dom", "rules.account.carol@company.dom", "()");
        Assert.Equal(0, (await server.Submit("alice@company.dom", ["carol@company.dom"], "another secret")).ExitCode);
        await server.WaitForLocalDeliveries();
        var last = await server.Counts("carol@company.dom");
        Assert.Equal(after["Private"], last["Private"]);
        Assert.Equal(after["INBOX"] + 1, last["INBOX"]);
    }

    [Fact]
    public async Task RuleLoopsEndWithEveryMessageKeptOnceAndNeverLost()
    {
        await server.SetRules("server", "()");
        // Two accounts redirecting to each other, each keeping its copy; and two forwarding everything without a copy.
        await server.SetRulesLive("account loop1@company.dom", "rules.account.loop1@company.dom", "((5, on, (), ((\"Redirect to\", \"loop2@company.dom\"))))");
        await server.SetRulesLive("account loop2@company.dom", "rules.account.loop2@company.dom", "((5, back, (), ((\"Redirect to\", \"loop1@company.dom\"))))");
        await server.SetRulesLive("account loop3@company.dom", "rules.account.loop3@company.dom", "((1, \"#Redirect\", (), ((\"Mirror to\", \"loop4@company.dom\"), (Discard))))");
        await server.SetRulesLive("account loop4@company.dom", "rules.account.loop4@company.dom", "((1, \"#Redirect\", (), ((\"Mirror to\", \"loop3@company.dom\"), (Discard))))");
        // Redirect to oneself is ignored (rules.md §6.1).
        await server.SetRulesLive("account bob@company.dom", "rules.account.bob@company.dom", "((5, self, (), ((\"Redirect to\", \"bob@company.dom\"))))");
        var before = new[] { "loop1", "loop2", "loop3", "loop4", "bob" }.ToDictionary(a => a, a => server.Count($"{a}@company.dom").Result);

        Assert.Equal(0, (await server.Submit("alice@company.dom", ["loop1@company.dom"], "keep-loop")).ExitCode);
        Assert.Equal(0, (await server.Submit("alice@company.dom", ["loop3@company.dom"], "discard-loop")).ExitCode);
        Assert.Equal(0, (await server.Submit("alice@company.dom", ["bob@company.dom"], "self")).ExitCode);
        await server.WaitForLocalDeliveries();

        Assert.Equal(before["loop1"] + 1, await server.Count("loop1@company.dom"));
        Assert.Equal(before["loop2"] + 1, await server.Count("loop2@company.dom"));
        Assert.Equal(before["loop3"] + 1, await server.Count("loop3@company.dom")); // came back to loop3: kept there, not lost
        Assert.Equal(before["loop4"], await server.Count("loop4@company.dom"));
        Assert.Equal(before["bob"] + 1, await server.Count("bob@company.dom"));
        Assert.Contains(server.Kernel.Log, l => l.Contains("rule loop", StringComparison.Ordinal));
        await server.SetRules("account bob@company.dom", "()");
    }

    [Fact]
    public async Task AStoreIntoAMissingOrForbiddenMailboxFallsBackToInbox()
    {
        await server.SetRules("server", "()");
        await server.SetRulesLive("account alice@company.dom", "rules.account.alice@company.dom", """
            ((5, missing, ((Subject, is, "to-missing")), (("Store in", "Nowhere"))),
             (5, forbidden, ((Subject, is, "to-forbidden")), (("Store in", "~security/outgoing"))))
            """);
        var inbox = await server.Count("alice@company.dom");
        var outgoing = await server.Count("security@company.dom", "outgoing");
        Assert.Equal(0, (await server.Submit("bob@company.dom", ["alice@company.dom"], "to-missing")).ExitCode);
        Assert.Equal(0, (await server.Submit("bob@company.dom", ["alice@company.dom"], "to-forbidden")).ExitCode);
        await server.WaitForLocalDeliveries();
        Assert.Equal(inbox + 2, await server.Count("alice@company.dom"));
        Assert.Equal(outgoing, await server.Count("security@company.dom", "outgoing")); // alice lacks the insert right
        Assert.Contains(server.Kernel.Log, l => l.Contains("lacks the insert right", StringComparison.Ordinal));
        await server.SetRules("account alice@company.dom", "()");
    }

    [Fact]
    public async Task BadRuleTextIsRefusedWholeAndThePreviousSetStays()
    {
        await server.SetRules("domain dept1.company.dom", "((5, tag, (), ((\"Tag Subject\", \"[dept1]\"))))");
        var bad = await server.Cli("(\n(5, a, ((Colour, is, red)), ((Discard))),\n(5, b, (), ((\"Store in\"))))", "rules", "set", "domain", "dept1.company.dom");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("line 2: rule 'a': unknown condition 'Colour'", bad.Error);
        Assert.Contains("line 3: rule 'b': Store in: a parameter is needed", bad.Error);
        var huge = await server.Cli(new string('(', 300_000), "rules", "set", "domain", "dept1.company.dom");
        Assert.Equal(1, huge.ExitCode);
        Assert.Contains("a rule set is at most 65536 bytes", huge.Error);
        Assert.Contains("\"[dept1]\"", (await server.Ok("rules", "show", "domain", "dept1.company.dom")).Output);

        Assert.NotEqual(0, (await server.Cli(null, "rules", "show", "domain", "nosuch.dom")).ExitCode);
        Assert.NotEqual(0, (await server.Cli("()", "rules", "set", "account", "nobody@company.dom")).ExitCode);
        await server.SetRules("domain dept1.company.dom", "()");
    }

    [Fact]
    public async Task ShowPrintsCanonicalReadableAndSieveForms()
    {
        await server.SetRules("server", SpecSets.CopyOutgoingReadable);
        Assert.Equal(RulePrinter.ToCanonical(RuleHarness.Parse(SpecSets.CopyOutgoing)), (await server.Ok("rules", "show", "server")).Output);
        Assert.Equal(SpecSets.CopyOutgoingReadable.ReplaceLineEndings("\n").Replace("  if ", "  if  ").Replace("  do ", "  do  ") + "\n", (await server.Ok("rules", "show", "server", "--readable")).Output);
        var sieve = (await server.Ok("rules", "show", "server", "--sieve")).Output;
        Assert.Contains(SpecSets.CopyOutgoingSieve.ReplaceLineEndings("\n").Split('\n')[1], sieve);

        // A Sieve script set on an account, shown back in the canonical form.
        var script = "require \"fileinto\";\nif header :contains \"subject\" \"invoice\" { fileinto \"Private\"; }\n";
        var set = await server.Cli(script, "rules", "set", "account", "carol@company.dom", "-", "--sieve");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("((\"Subject\", \"is\", \"*invoice*\")", (await server.Ok("rules", "show", "account", "carol@company.dom")).Output);
        var refused = await server.Cli("require \"vacation\";\nvacation \"away\";\n", "rules", "set", "account", "carol@company.dom", "-", "--sieve");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("line 1: require \"vacation\": an extension that does not convert", refused.Error);
        await server.SetRules("account carol@company.dom", "()");
        await server.SetRules("server", "()");
    }

    [Fact]
    public async Task RulesTestShowsWhatWouldHappenWithoutDelivering()
    {
        await server.SetRules("server", Both);
        var file = Path.Combine(server.Kernel.DataDirectory, "test-message.eml");
        await File.WriteAllTextAsync(file, "From: dave@dept1.company.dom\r\nTo: x@far.dom\r\nSubject: hi\r\n\r\nbody\r\n");
        var queue = (await server.Ok("queue", "list")).Output;

        var refused = await server.Ok("rules", "test", "server", "--message", file, "--from", "dave@dept1.company.dom", "--to", "x@far.dom");
        Assert.Contains("rule 'dept1-limits' (server, priority 9) matched", refused.Output);
        Assert.Contains($"outcome: reject 554 5.7.1 {RejectText}", refused.Output);
        var copied = await server.Ok("rules", "test", "server", "--message", file, "--from", "alice@company.dom", "--to", "x@far.dom,erin@dept1.company.dom");
        Assert.Contains("rule 'copy-outgoing' (server, priority 5) matched", copied.Output);
        Assert.Contains("store: ~security/outgoing", copied.Output);

        await server.SetRules("account erin@dept1.company.dom", "((2, \"#Vacation\", ((\"Human Generated\"), (From, \"not in\", \"#RepliedAddresses\")), ((\"Reply with\", \"away\"), (\"Remember 'From' in\", RepliedAddresses))))");
        for (var i = 0; i < 2; i++)
        {
            // A dry run remembers nothing: the second test would reply again.
            var vacation = await server.Ok("rules", "test", "account", "erin@dept1.company.dom", "--message", file, "--from", "dave@dept1.company.dom", "--to", "erin@dept1.company.dom");
            Assert.Contains("reply: dave@dept1.company.dom", vacation.Output);
        }
        Assert.Equal(queue, (await server.Ok("queue", "list")).Output);
        await server.SetRules("account erin@dept1.company.dom", "()");
        await server.SetRules("server", "()");
    }

    [Fact]
    public async Task UsersSaveOnlyWhatRulesAllowedPermits()
    {
        await server.Ok("settings", "set", "RulesAllowed", "Filter Only", "--account", "dave@dept1.company.dom");
        var refused = await server.Cli("((5, fwd, (), ((\"Redirect to\", \"x@far.dom\"))))", "rules", "set", "account", "dave@dept1.company.dom", "-", "--as-user");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("line 1: rule 'fwd': action Redirect to needs RulesAllowed All But Exec, the account has Filter Only", refused.Error);
        var filter = await server.Cli("((5, junk, ((Subject, is, \"*spam*\")), ((\"Store in\", INBOX))))", "rules", "set", "account", "dave@dept1.company.dom", "-", "--as-user");
        Assert.True(filter.ExitCode == 0, filter.ToString());
        await server.SetRules("account dave@dept1.company.dom", "()");
    }
}
