using Imap.Protocol;

namespace Imap.Tests.Protocol;

public sealed class SequenceSetTests
{
    [Fact]
    public void Parses_ranges_and_star()
    {
        Assert.True(SequenceSet.TryParse("1:3,5,7:*", out var set));
        Assert.Equal([(1u, 3u), (5u, 5u), (7u, 10u)], set!.Resolve(10));
    }

    [Fact]
    public void Star_below_the_first_number_is_ordered() // RFC 3501: "n:*" where n > max includes the max
    {
        Assert.True(SequenceSet.TryParse("20:*", out var set));
        Assert.Equal([(10u, 20u)], set!.Resolve(10));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("01")]
    [InlineData("1:")]
    [InlineData(",1")]
    [InlineData("1,,2")]
    [InlineData("4294967296")]
    [InlineData("a")]
    public void Refuses_malformed(string text) => Assert.False(SequenceSet.TryParse(text, out _));

    [Fact]
    public void Formats_runs() => Assert.Equal("1:3,5,9:10", SequenceSet.Format([1u, 2u, 3u, 5u, 9u, 10u]));
}
