using System.Globalization;
using System.Text;

namespace Smtp.Protocol;

/// <summary>RFC 3461 §4 xtext: printable ASCII except '+' and '=', and <c>+XX</c> hex escapes for everything else.</summary>
internal static class XText
{
    public static bool TryDecode(string text, out string decoded)
    {
        var result = new StringBuilder(text.Length);
        decoded = "";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length) return false;
                if (!byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)) return false;
                result.Append((char)b);
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
            else
            {
                result.Append(c);
            }
        }
        decoded = result.ToString();
        return true;
    }

    public static string Encode(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '!' and <= '~' and not '+' and not '=') result.Append(c);
            else result.Append('+').Append(((int)c & 0xff).ToString("X2", CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }
}
