namespace Smtp.Delivery;

/// <summary>What the peer's EHLO reply offers (RFC 5321 §4.1.1.1: keyword lines after the first); empty after HELO.</summary>
internal sealed record ServerCapabilities
{
    public static readonly ServerCapabilities None = new();

    public bool Esmtp { get; init; }

    /// <summary>RFC 2920.</summary>
    public bool Pipelining { get; init; }

    /// <summary>RFC 1870: the advertised limit, 0 when SIZE has no (or a zero) limit, null when SIZE is not offered.</summary>
    public long? Size { get; init; }

    /// <summary>RFC 6152.</summary>
    public bool EightBitMime { get; init; }

    /// <summary>RFC 6531.</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>RFC 3461.</summary>
    public bool Dsn { get; init; }

    /// <summary>RFC 3207.</summary>
    public bool StartTls { get; init; }

    /// <summary>RFC 4954: AUTH offered (we never log in, but the MAIL AUTH= parameter is only sent to such a server, §5).</summary>
    public bool Auth { get; init; }

    /// <summary>RFC 8689.</summary>
    public bool RequireTls { get; init; }

    public bool EnhancedStatusCodes { get; init; }

    /// <summary>Reads the keyword lines of a positive EHLO reply; unknown keywords are ignored.</summary>
    public static ServerCapabilities FromEhlo(SmtpReply reply)
    {
        var caps = new ServerCapabilities { Esmtp = true };
        foreach (var line in reply.Lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0) continue;
            switch (parts[0].ToUpperInvariant())
            {
                case "PIPELINING": caps = caps with { Pipelining = true }; break;
                case "8BITMIME": caps = caps with { EightBitMime = true }; break;
                case "SMTPUTF8": caps = caps with { SmtpUtf8 = true }; break;
                case "DSN": caps = caps with { Dsn = true }; break;
                case "STARTTLS": caps = caps with { StartTls = true }; break;
                case "AUTH": caps = caps with { Auth = true }; break;
                case "REQUIRETLS": caps = caps with { RequireTls = true }; break;
                case "ENHANCEDSTATUSCODES": caps = caps with { EnhancedStatusCodes = true }; break;
                case "SIZE":
                    // RFC 1870 §4: "SIZE" alone or "SIZE 0" means no fixed limit.
                    caps = caps with { Size = parts.Length > 1 && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) ? limit : 0 };
                    break;
            }
        }
        return caps;
    }
}
