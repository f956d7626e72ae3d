namespace Imap.Session;

/// <summary>
/// RFC 3501 §6.4.4 BEFORE/ON/SINCE compare the internal date "disregarding time and timezone": its calendar date.
/// The store keeps the instant, not the zone the client gave, so the date is taken in the server's time zone;
/// SENTBEFORE/SENTON/SENTSINCE use the Date header's date in its own zone.
/// </summary>
internal static class SearchDates
{
    /// <summary>The calendar date of an instant in <paramref name="zone"/>.</summary>
    public static DateOnly DateIn(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>The instant <paramref name="date"/> begins in <paramref name="zone"/> (the store's query bounds).</summary>
    public static DateTimeOffset StartOf(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        // A day starting in a daylight-saving gap begins at the first valid local time.
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The date a Date header names, in the header's own zone.</summary>
    public static DateOnly SentDate(DateTimeOffset sent) => DateOnly.FromDateTime(sent.DateTime);
}
