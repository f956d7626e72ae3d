namespace Finger;

/// <summary>
/// One parsed query line (RFC 1288 §2.3): <c>{Q1} ::= [{W}|{W}{S}{U}]{C}</c>, <c>{Q2} ::= [{W}{S}][{U}]{H}{C}</c>.
/// <see cref="Verbose"/> is the <c>/W</c> token; <see cref="User"/> is empty for a user-list query; <see cref="Host"/>
/// is set for a forwarding query (<c>user@host</c>).
/// </summary>
public sealed record FingerQuery(bool Verbose, string User, string? Host)
{
    /// <summary>Parses the line without its CRLF. False for anything the grammar does not allow.</summary>
    public static bool TryParse(string line, out FingerQuery? query)
    {
        query = null;
        var text = line.Trim(' ', '\t');
        var verbose = false;
        // RFC 1288 §2.3: "/W" is case-insensitive and may be followed by spaces before the user.
        if (text.StartsWith("/W", StringComparison.OrdinalIgnoreCase))
        {
            verbose = true;
            text = text[2..].TrimStart(' ', '\t');
        }
        if (text.Any(c => c is ' ' or '\t' || char.IsControl(c))) return false;
        string? host = null;
        var at = text.IndexOf('@');
        if (at >= 0)
        {
            // Chained forwarding (user@host1@host2) keeps everything after the first '@' as the host part.
            host = text[(at + 1)..];
            text = text[..at];
            if (host.Length == 0) return false;
        }
        query = new FingerQuery(verbose, text, host);
        return true;
    }
}
