using System.Text;

namespace Imap.Protocol;

/// <summary>
/// RFC 3501 §5.1.3 mailbox names: printable US-ASCII stands for itself, "&amp;" is "&amp;-", everything else is
/// modified BASE64 of UTF-16 between "&amp;" and "-" (',' instead of '/', no padding).
/// </summary>
internal static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string text)
    {
        var needs = false;
        foreach (var c in text) if (c is < (char)0x20 or > (char)0x7e or '&') { needs = true; break; }
        if (!needs) return text;
        var sb = new StringBuilder(text.Length + 8);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '&') { sb.Append("&-"); i++; continue; }
            if (c is >= (char)0x20 and <= (char)0x7e) { sb.Append(c); i++; continue; }
            var start = i;
            while (i < text.Length && text[i] is < (char)0x20 or > (char)0x7e) i++;
            sb.Append('&');
            var bits = 0;
            var acc = 0;
            for (var k = start; k < i; k++)
            {
                acc = (acc << 16) | text[k];
                bits += 16;
                while (bits >= 6)
                {
                    bits -= 6;
                    sb.Append(Alphabet[(acc >> bits) & 0x3f]);
                }
                acc &= (1 << bits) - 1;
            }
            if (bits > 0) sb.Append(Alphabet[(acc << (6 - bits)) & 0x3f]);
            sb.Append('-');
        }
        return sb.ToString();
    }

    /// <summary>False on anything RFC 3501 forbids: 8-bit or control characters, an unterminated or non-minimal shift, encoded printable ASCII, bad padding bits, broken surrogates.</summary>
    public static bool TryDecode(string text, out string decoded)
    {
        decoded = text;
        if (text.IndexOf('&') < 0)
        {
            foreach (var c in text) if (c is < (char)0x20 or > (char)0x7e) return false;
            return true;
        }
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is < (char)0x20 or > (char)0x7e) return false;
            if (c != '&') { sb.Append(c); i++; continue; }
            var end = text.IndexOf('-', i + 1);
            if (end < 0) return false;
            if (end == i + 1) { sb.Append('&'); i = end + 1; continue; }
            var bits = 0;
            var acc = 0;
            var units = new List<char>();
            for (var k = i + 1; k < end; k++)
            {
                var v = Alphabet.IndexOf(text[k]);
                if (v < 0) return false;
                acc = (acc << 6) | v;
                bits += 6;
                if (bits >= 16)
                {
                    bits -= 16;
                    units.Add((char)((acc >> bits) & 0xffff));
                    acc &= (1 << bits) - 1;
                }
            }
            // RFC 3501: the leftover bits must be zero padding, fewer than 6 of them.
            if (bits >= 6 || acc != 0 || units.Count == 0) return false;
            for (var k = 0; k < units.Count; k++)
            {
                var u = units[k];
                // printable ASCII must not be encoded; '&' neither (it has "&-").
                if (u is >= (char)0x20 and <= (char)0x7e) return false;
                if (char.IsHighSurrogate(u))
                {
                    if (k + 1 >= units.Count || !char.IsLowSurrogate(units[k + 1])) return false;
                    sb.Append(u).Append(units[++k]);
                    continue;
                }
                if (char.IsLowSurrogate(u)) return false;
                sb.Append(u);
            }
            i = end + 1;
            // two adjacent encoded runs ("&AOQ-&AOQ-") are not minimal.
            if (i < text.Length && text[i] == '&' && i + 1 < text.Length && text[i + 1] != '-') return false;
        }
        decoded = sb.ToString();
        return true;
    }
}
