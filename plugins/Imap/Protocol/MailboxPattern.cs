namespace Imap.Protocol;

/// <summary>RFC 3501 §6.3.8 LIST wildcards over '/'-separated names: <c>*</c> matches anything, <c>%</c> anything but the separator.</summary>
internal static class MailboxPattern
{
    public static bool IsMatch(string pattern, string name) => Match(pattern, 0, name, 0);

    private static bool Match(string p, int pi, string n, int ni)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            if (c is '*' or '%')
            {
                pi++;
                if (pi == p.Length) return c == '*' || n.IndexOf('/', ni) < 0;
                for (var k = ni; k <= n.Length; k++)
                {
                    if (Match(p, pi, n, k)) return true;
                    if (k < n.Length && c == '%' && n[k] == '/') return false;
                }
                return false;
            }
            if (ni >= n.Length || !CharEquals(p, pi, n, ni)) return false;
            pi++;
            ni++;
        }
        return ni == n.Length;
    }

    // INBOX is case-insensitive as the first component (RFC 3501 §5.1); everything else is compared exactly.
    private static bool CharEquals(string p, int pi, string n, int ni) =>
        p[pi] == n[ni] || (ni < 5 && pi == ni && n.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) && (n.Length == 5 || n[5] == '/') && char.ToUpperInvariant(p[pi]) == char.ToUpperInvariant(n[ni]));
}
