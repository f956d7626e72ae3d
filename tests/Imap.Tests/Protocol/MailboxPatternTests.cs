using Imap.Protocol;

namespace Imap.Tests.Protocol;

public sealed class MailboxPatternTests
{
    [Theory]
    [InlineData("*", "INBOX/sub/x", true)]
    [InlineData("%", "INBOX", true)]
    [InlineData("%", "INBOX/sub", false)]
    [InlineData("INBOX/%", "INBOX/sub", true)]
    [InlineData("inbox", "INBOX", true)]
    [InlineData("~marketing/*", "~marketing/announce", true)]
    [InlineData("Sent", "sent", false)]
    [InlineData("S*t", "Sent", true)]
    public void Matches_as_RFC_3501_says(string pattern, string name, bool match) =>
        Assert.Equal(match, MailboxPattern.IsMatch(pattern, name));
}
