namespace Kernel.Abstractions;

/// <summary>RFC 4314 rights strings ↔ <see cref="MailboxRights"/> (mailboxes.md §4.1).</summary>
public static class MailboxRightsText
{
    /// <summary>Formats in the canonical order; Create shows as <c>k</c> and <c>c</c>, Delete as <c>x t e</c> and <c>d</c>.</summary>
    public static string Format(MailboxRights rights)
    {
        var sb = new System.Text.StringBuilder(13);
        if (rights.HasFlag(MailboxRights.Lookup)) sb.Append('l');
        if (rights.HasFlag(MailboxRights.Read)) sb.Append('r');
        if (rights.HasFlag(MailboxRights.Seen)) sb.Append('s');
        if (rights.HasFlag(MailboxRights.Write)) sb.Append('w');
        if (rights.HasFlag(MailboxRights.Insert)) sb.Append('i');
        if (rights.HasFlag(MailboxRights.Post)) sb.Append('p');
        if (rights.HasFlag(MailboxRights.Create)) sb.Append('k');
        if (rights.HasFlag(MailboxRights.Delete)) sb.Append("xte");
        if (rights.HasFlag(MailboxRights.Create)) sb.Append('c');
        if (rights.HasFlag(MailboxRights.Delete)) sb.Append('d');
        if (rights.HasFlag(MailboxRights.Administer)) sb.Append('a');
        return sb.ToString();
    }

    /// <summary>Parses letters (no '+'/'-' prefix); false on any letter outside <c>lrswipkxtecda</c>.</summary>
    public static bool TryParse(string letters, out MailboxRights rights)
    {
        rights = MailboxRights.None;
        foreach (var c in letters)
        {
            var r = c switch
            {
                'l' => MailboxRights.Lookup,
                'r' => MailboxRights.Read,
                's' => MailboxRights.Seen,
                'w' => MailboxRights.Write,
                'i' => MailboxRights.Insert,
                'p' => MailboxRights.Post,
                'k' or 'c' => MailboxRights.Create,
                'x' or 't' or 'e' or 'd' => MailboxRights.Delete,
                'a' => MailboxRights.Administer,
                _ => (MailboxRights?)null,
            };
            if (r is null) { rights = MailboxRights.None; return false; }
            rights |= r.Value;
        }
        return true;
    }
}
