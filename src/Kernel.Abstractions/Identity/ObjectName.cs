namespace Kernel.Abstractions;

/// <summary>Object names (accounts, groups, aliases): letters, digits, '_', '-', '.'; no '.' first or last; at most 128 characters (mailboxes.md §2.2).</summary>
public static class ObjectName
{
    public const int MaxLength = 128;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength) return false;
        if (name[0] == '.' || name[^1] == '.') return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) return false;
        }
        return true;
    }
}
