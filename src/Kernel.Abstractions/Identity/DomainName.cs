namespace Kernel.Abstractions;

/// <summary>Host-name syntax for domains (RFC 1035 §2.3.1 labels, RFC 1123 §2.1 leading digits allowed).</summary>
public static class DomainName
{
    public const int MaxLength = 253;

    public static bool IsValid(string? domain)
    {
        if (string.IsNullOrEmpty(domain) || domain.Length > MaxLength) return false;
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
            }
        }
        return true;
    }
}
