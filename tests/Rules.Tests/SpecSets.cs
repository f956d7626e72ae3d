namespace Rules.Tests;

/// <summary>The worked examples of rules.md §12 and §13, verbatim.</summary>
internal static class SpecSets
{
    public const string CopyOutgoing = """
        (
          (5, "copy-outgoing",
             (("Return-Path", "in", "*@company.dom, *@dept1.company.dom")),
             (("Store in", "~security/outgoing")))
        )
        """;

    public const string CopyOutgoingReadable = """
        rule "copy-outgoing" priority 5
          if Return-Path in "*@company.dom, *@dept1.company.dom"
          do Store in "~security/outgoing"
        end
        """;

    public const string CopyOutgoingSieve = """
        require ["envelope", "fileinto", "copy"];
        if envelope :all :matches "from" ["*@company.dom", "*@dept1.company.dom"] {
          fileinto :copy "~security/outgoing";
        }
        """;

    public const string Dept1Limits = """
        (
          (9, "dept1-limits",
             (("Return-Path", "is", "*@dept1.company.dom"),
              ("Return-Path", "is not", "boss@dept1.company.dom"),
              ("Any Recipient", "not in", "*@dept1.company.dom, supervisor@hq.company.dom")),
             (("Reject with", "You may send only to dept1.company.dom and to supervisor@hq.company.dom")))
        )
        """;

    public const string Dept1LimitsReadable = """
        rule "dept1-limits" priority 9
          if  Return-Path is "*@dept1.company.dom"
          and Return-Path is not "boss@dept1.company.dom"
          and Any Recipient not in "*@dept1.company.dom, supervisor@hq.company.dom"
          do  Reject with "You may send only to dept1.company.dom and to supervisor@hq.company.dom"
        end
        """;

    public const string Examples13 = """
        (
          (Highest, "spam-to-junk", (("Header Field", "is", "X-Spam-Flag: YES")), (("Store in", "Junk"))),
          (5, "tag-lists", (("Header Field", "is", "List-Id: *")), (("Tag Subject", "[list]"))),
          (2, "#Vacation", (("Human Generated", "---"), (From, "not in", "#RepliedAddresses")),
               (("Reply with", "Away until Monday.\eRegards"), ("Remember 'From' in", RepliedAddresses))),
          (1, "#Redirect", (), (("Mirror to", "me@other.dom"), (Discard, "---")))
        )
        """;
}
