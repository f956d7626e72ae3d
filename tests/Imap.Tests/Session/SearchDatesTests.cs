using Imap.Session;

namespace Imap.Tests.Session;

public sealed class SearchDatesTests
{
    private static readonly TimeZoneInfo Plus5 = TimeZoneInfo.CreateCustomTimeZone("test+5", TimeSpan.FromHours(5), "test+5", "test+5");

    [Fact]
    public void Internal_dates_are_compared_by_their_date_in_the_server_zone()
    {
        // 21:30 UTC on 1 March is already 2 March at +05:00.
        var instant = new DateTimeOffset(2024, 3, 1, 21, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateOnly(2024, 3, 2), SearchDates.DateIn(instant, Plus5));
        Assert.Equal(new DateOnly(2024, 3, 1), SearchDates.DateIn(instant, TimeZoneInfo.Utc));
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 19, 0, 0, TimeSpan.Zero), SearchDates.StartOf(new DateOnly(2024, 3, 2), Plus5).ToUniversalTime());
    }

    [Fact]
    public void Sent_dates_use_the_header_own_zone() =>
        Assert.Equal(new DateOnly(2024, 1, 1), SearchDates.SentDate(new DateTimeOffset(2024, 1, 1, 23, 0, 0, TimeSpan.FromHours(-8))));
}
