using System.Text;

namespace Kernel.Mailboxes;

/// <summary>Own-name rules (mailboxes.md §2.1) and IMAP LIST wildcards (RFC 3501 §6.3.8).</summary>
internal static class MailboxName
{
    public const char Separator = '/';
    public const string Inbox = "INBOX";
    public const int MaxComponentBytes = 255;
    public const int MaxNameBytes = 1024;
    public const int MaxLevels = 32;

    /// <summary>RFC 3501 §5.1: INBOX as the first component is case-insensitive; it is kept upper case.</summary>
    public static string Canonical(string name)
    {
        if (name.Length >= 5 && name.AsSpan(0, 5).Equals(Inbox, StringComparison.OrdinalIgnoreCase) && (name.Length == 5 || name[5] == Separator))
            return Inbox + name[5..];
        return name;
    }

    /// <summary>§2.1 [Decision]: 1–255 bytes per component, 1,024 bytes and 32 levels in all, no control characters,
    /// no empty, '.' or '..' component, no leading '~' (that marks foreign names), no LIST wildcard '*' or '%'
    /// (RFC 3501 §6.3.8: a name holding one could never be listed on its own; issue 8 §4).</summary>
    public static bool IsValidOwn(string name)
    {
        if (name.Length == 0 || ForeignMailboxName.IsForeign(name) || HasWildcard(name)) return false;
        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes) return false;
        var components = name.Split(Separator);
        if (components.Length > MaxLevels) return false;
        foreach (var component in components)
        {
            if (component.Length == 0 || component is "." or "..") return false;
            if (Encoding.UTF8.GetByteCount(component) > MaxComponentBytes) return false;
            foreach (var c in component)
            {
                if (char.IsControl(c)) return false;
            }
        }
        return true;
    }

    public static string? Parent(string name)
    {
        var slash = name.LastIndexOf(Separator);
        return slash < 0 ? null : name[..slash];
    }

    /// <summary>The ancestors of a name, top first (<c>a/b/c</c> → <c>a</c>, <c>a/b</c>).</summary>
    public static IEnumerable<string> Ancestors(string name)
    {
        for (var i = name.IndexOf(Separator); i >= 0; i = name.IndexOf(Separator, i + 1))
            yield return name[..i];
    }

    public static bool IsUnder(string name, string ancestor) =>
        name.Length > ancestor.Length + 1 && name[ancestor.Length] == Separator && name.StartsWith(ancestor, StringComparison.Ordinal);

    public static bool IsSameOrUnder(string name, string ancestor) =>
        string.Equals(name, ancestor, StringComparison.Ordinal) || IsUnder(name, ancestor);

    public static bool HasWildcard(string text) => text.AsSpan().IndexOfAny('*', '%') >= 0;

    /// <summary>LIST matching: '*' matches anything, '%' anything but the separator.</summary>
    public static bool Matches(string pattern, string name) => Match(pattern.AsSpan(), name.AsSpan());

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        while (pattern.Length > 0)
        {
            var c = pattern[0];
            if (c is '*' or '%')
            {
                var rest = pattern[1..];
                for (var i = 0; i <= name.Length; i++)
                {
                    if (Match(rest, name[i..])) return true;
                    if (i < name.Length && c == '%' && name[i] == Separator) return false;
                }
                return false;
            }
            if (name.Length == 0 || name[0] != c) return false;
            pattern = pattern[1..];
            name = name[1..];
        }
        return name.Length == 0;
    }
}
