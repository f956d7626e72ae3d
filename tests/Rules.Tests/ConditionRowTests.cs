using System.Net;
using Kernel.Abstractions;

namespace Rules.Tests;

/// <summary>rules.md §4, §5: one row per condition and operation, on a fixed message; a rule fires when it holds.</summary>
public sealed class ConditionRowTests
{
    private const string Header = """
        From: =?UTF-8?Q?Zo=C3=AB?= Example <Zoe@Example.dom>
        Sender: sec@example.dom
        Reply-To: replies@example.dom
        To: bob@company.dom, "Carol" <carol@company.dom>
        Cc: dave@other.dom
        Cc: erin@company.dom
        Subject: =?UTF-8?B?SGVsbG8gV8O2cmxk?=
        Message-ID: <abc@example.dom>
        X-Spam-Flag: YES
        X-Spam-Flag: maybe
        """;

    [Theory]
    [InlineData("From", "is", "zoe@example.dom", true)]
    [InlineData("From", "is", "*@EXAMPLE.dom", true)]
    [InlineData("From", "is not", "*@example.dom", false)]
    [InlineData("From", "in", "x@y.dom, *@example.dom", true)]
    [InlineData("From", "not in", "x@y.dom, z@y.dom", true)]
    [InlineData("Sender", "is", "sec@*", true)]
    [InlineData("Reply-To", "is", "replies@example.dom", true)]
    [InlineData("To", "is", "carol@*", true)]                     // some value matches
    [InlineData("To", "is not", "carol@*", false)]                // "is not": no value matches
    [InlineData("To", "is not", "zed@*", true)]
    [InlineData("Cc", "is", "erin@company.dom", true)]            // a second Cc field counts too
    [InlineData("Any To or Cc", "is", "dave@other.dom", true)]
    [InlineData("Any To or Cc", "not in", "*@company.dom", true)] // some address is outside
    [InlineData("Each To or Cc", "is", "*@company.dom", false)]
    [InlineData("Each To or Cc", "in", "*@company.dom, *@other.dom", true)]
    [InlineData("Return-Path", "is", "alice@company.dom", true)]
    [InlineData("Any Recipient", "is", "x@FAR.dom", true)]        // domain lower-cased, source route removed
    [InlineData("Each Recipient", "is", "*@company.dom", false)]
    [InlineData("Each Recipient", "in", "*@company.dom, *@far.dom", true)]
    [InlineData("'From' Name", "is", "zoë*", true)]
    [InlineData("Subject", "is", "Hello Wörld", true)]            // RFC 2047 decoded
    [InlineData("Subject", "is", "*wörld", true)]
    [InlineData("Message-ID", "is", "<abc@example.dom>", true)]
    [InlineData("Header Field", "is", "X-Spam-Flag: maybe", true)] // any occurrence
    [InlineData("Header Field", "in", "x-spam-flag: no, YES", true)]
    [InlineData("Header Field", "is not", "X-Spam-Flag: YES", false)]
    [InlineData("Header Field", "is", "X-Absent: *", false)]       // absent: is false
    [InlineData("Header Field", "is not", "X-Absent: *", true)]    // absent: is not true
    [InlineData("Message Size", "greater than", "100", true)]
    [InlineData("Message Size", "less than", "1K", true)]
    [InlineData("Message Size", "greater than", "1M", false)]
    [InlineData("Time Of Day", "greater than", "10:00", true)]
    [InlineData("Time Of Day", "less than", "10:30:01", true)]
    [InlineData("Current Date", "is", "2026-12-03", true)]
    [InlineData("Current Date", "greater than", "30 Nov 2026", true)]
    [InlineData("Current Date", "less than", "2026-12-03", false)]
    [InlineData("Current Day", "is", "Thursday", true)]
    [InlineData("Current Day", "not in", "Sat, Sun", true)]
    [InlineData("Source", "is", "authenticated", true)]
    [InlineData("Source", "in", "client, remote", false)]
    [InlineData("Submit Address", "is", "[192.0.2.7]", true)]
    [InlineData("Security", "is", "TLS", true)]
    public async Task ServerConditionRows(string data, string operation, string parameter, bool fires)
    {
        var source = new RequestSource { Class = SourceClass.Trusted, ClientIp = IPAddress.Parse("192.0.2.7"), AuthenticatedAccount = RuleHarness.Alice, Tls = true };
        var input = RuleHarness.Message(Header, recipients: ["@relay.dom:x@FAR.DOM", "bob@company.dom"], source: source);
        var outcome = await RuleHarness.RunAsync($"((5, row, ((\"{data}\", \"{operation}\", \"{parameter.Replace("\"", "\\\"", StringComparison.Ordinal)}\")), ((\"Add Header\", \"X-Fired: yes\"))))", input);
        Assert.Equal(fires, outcome.HeaderEdits.Count > 0);
    }

    [Theory]
    [InlineData("From: a@b.dom\nSubject: hi", "", false)]                 // empty Return-Path
    [InlineData("From: a@b.dom\nAuto-Submitted: auto-replied", "a@b.dom", false)]
    [InlineData("From: a@b.dom\nAuto-Submitted: no", "a@b.dom", true)]
    [InlineData("From: a@b.dom\nPrecedence: bulk", "a@b.dom", false)]
    [InlineData("From: a@b.dom\nPrecedence: List", "a@b.dom", false)]
    [InlineData("From: a@b.dom\nList-Id: <x.b.dom>", "a@b.dom", false)]
    [InlineData("From: a@b.dom\nList-Unsubscribe: <mailto:u@b.dom>", "a@b.dom", false)]
    [InlineData("From: MAILER-DAEMON@b.dom", "x@b.dom", false)]
    [InlineData("From: owner-list@b.dom", "x@b.dom", false)]
    [InlineData("From: a@b.dom\nSubject: hi", "a@b.dom", true)]
    public async Task HumanGeneratedFollowsSection51(string header, string sender, bool human)
    {
        var outcome = await RuleHarness.RunAsync("((5, row, ((\"Human Generated\", \"---\")), ((\"Add Header\", \"X-Fired: yes\"))))", RuleHarness.Message(header, sender));
        Assert.Equal(human, outcome.HeaderEdits.Count > 0);
    }

    [Theory]
    [InlineData("Existing Mailbox", "is", "Junk", true)]
    [InlineData("Existing Mailbox", "is", "Archive", false)]
    [InlineData("Existing Mailbox", "is not", "Archive", true)]
    [InlineData("Preference", "is", "Language: en*", true)]
    [InlineData("Preference", "is", "Missing: *", false)]
    [InlineData("From", "in", "#Friends", true)]
    [InlineData("From", "not in", "#Friends, x@y.dom", false)]
    [InlineData("Any Recipient", "is", "bob@company.dom", true)]
    public async Task AccountConditionRows(string data, string operation, string parameter, bool fires)
    {
        var environment = new FakeEnvironment();
        environment.Settings["Language"] = "en-GB";
        environment.Lists["Friends"] = ["zoe@example.dom"];
        var outcome = await RuleHarness.RunAsync($"((5, row, ((\"{data}\", \"{operation}\", \"{parameter}\")), ((\"Add Header\", \"X-Fired: yes\"))))",
            RuleHarness.Message(Header), RuleScope.Account, environment);
        Assert.Equal(fires, outcome.HeaderEdits.Count > 0);
    }

    [Theory]
    [InlineData("*@*.company.dom", "a@dept1.company.dom", true)]
    [InlineData("*@*.company.dom", "a@company.dom", false)]
    [InlineData("a?c@x.dom", "abc@x.dom", false)]   // '?' is an ordinary character (§4)
    [InlineData("a?c@x.dom", "A?C@X.DOM", true)]
    [InlineData("[x]*", "[x]yz", true)]
    [InlineData("*", "", true)]
    [InlineData("", "", true)]
    [InlineData("x*", "", false)]
    public void PicturesMatchAsSection4Says(string picture, string text, bool matches) => Assert.Equal(matches, Picture.Matches(picture, text));

    [Fact]
    public void APictureThatWouldBacktrackForeverFinishesAtOnce()
    {
        // A regex (a*)*b or a*a*a*…b against a long run of a's explodes; the picture walk is bounded by length × length.
        var picture = string.Concat(Enumerable.Repeat("*a", 200)) + "*b";
        var text = new string('a', 4000);
        Assert.False(Picture.Matches(picture, text));
        Assert.True(Picture.Matches(picture, text + "b"));
    }
}
