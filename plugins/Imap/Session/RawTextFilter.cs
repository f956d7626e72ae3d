using System.Text;

namespace Imap.Session;

/// <summary>
/// A cheap first look for SEARCH BODY (RFC 3501 §6.4.4) before a message is parsed: when the raw bytes cannot hold the
/// decoded text the search looks for, the MIME parse is skipped. "Cannot" is only said when decoding is the identity:
/// every byte 7-bit, no transfer encoding but 7bit/8bit/binary (no base64, quoted-printable, uuencode), every charset
/// one whose 7-bit bytes are ASCII (so not UTF-7, UTF-16, ISO-2022), and an ASCII needle (so case folding is ASCII
/// folding: no dotless ı or long ſ). Anything else → "may contain", and the caller parses as before.
/// </summary>
internal static class RawTextFilter
{
    private static readonly byte[] TransferEncoding = "content-transfer-encoding"u8.ToArray();
    private static readonly byte[] Charset = "charset"u8.ToArray();

    /// <summary>False only when <paramref name="raw"/> certainly has no body text containing <paramref name="needle"/>.</summary>
    public static bool MayContain(ReadOnlySpan<byte> raw, string needle)
    {
        if (needle.Length == 0 || !Ascii.IsValid(needle) || !Ascii.IsValid(raw)) return true;
        Span<byte> pattern = needle.Length <= 256 ? stackalloc byte[needle.Length] : new byte[needle.Length];
        Encoding.ASCII.GetBytes(needle, pattern);
        if (IndexOfIgnoreCase(raw, pattern) >= 0) return true;
        return !IdentityDecoding(raw);
    }

    /// <summary>
    /// False only when no field of the raw <paramref name="header"/> block can have a value containing
    /// <paramref name="needle"/> (SEARCH HEADER/FROM/TO/SUBJECT…, RFC 3501 §6.4.4). A field value as the parser gives
    /// it is its raw text unfolded (CR and LF removed, RFC 5322 §2.2.3) and trimmed — with no encoded word
    /// (RFC 2047 <c>=?</c>) and only 7-bit bytes nothing else changes — so it is a run of the header with CR and LF
    /// taken out: not finding the needle there (ASCII case folding) means no value holds it. The header is changed in place.
    /// </summary>
    public static bool HeaderMayContain(Span<byte> header, string needle)
    {
        if (needle.Length == 0 || header.Length == 0 || !Ascii.IsValid(needle) || !Ascii.IsValid(header) || header.IndexOf("=?"u8) >= 0) return true;
        var length = 0;
        foreach (var b in header)
        {
            if (b is not ((byte)'\r' or (byte)'\n')) header[length++] = b;
        }
        Span<byte> pattern = needle.Length <= 256 ? stackalloc byte[needle.Length] : new byte[needle.Length];
        Encoding.ASCII.GetBytes(needle, pattern);
        return IndexOfIgnoreCase(header[..length], pattern) >= 0;
    }

    /// <summary>Whether every transfer encoding and charset named in the message leaves 7-bit bytes as they are.</summary>
    private static bool IdentityDecoding(ReadOnlySpan<byte> raw)
    {
        for (var at = IndexOfIgnoreCase(raw, TransferEncoding); at >= 0; at = Next(raw, at, TransferEncoding))
        {
            var value = ValueAfter(raw[(at + TransferEncoding.Length)..], ':');
            if (value is not ("" or "7bit" or "8bit" or "binary")) return false;
        }
        for (var at = IndexOfIgnoreCase(raw, Charset); at >= 0; at = Next(raw, at, Charset))
        {
            var value = ValueAfter(raw[(at + Charset.Length)..], '=');
            if (!(value is "" or "us-ascii" or "ascii" or "utf-8" || value.StartsWith("iso-8859-", StringComparison.Ordinal) || value.StartsWith("windows-125", StringComparison.Ordinal)))
                return false;
        }
        return true;
    }

    private static int Next(ReadOnlySpan<byte> raw, int at, byte[] word)
    {
        var from = at + word.Length;
        var found = IndexOfIgnoreCase(raw[from..], word);
        return found < 0 ? -1 : from + found;
    }

    /// <summary>The lower-cased token after <paramref name="separator"/> (spaces and one quote allowed); "" when the word is not followed by it.</summary>
    private static string ValueAfter(ReadOnlySpan<byte> rest, char separator)
    {
        var i = 0;
        while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t') i++;
        if (i < rest.Length && rest[i] == '*') return "?"; // RFC 2231 charset*=…: not read here
        if (i >= rest.Length || rest[i] != separator) return "";
        i++;
        while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'"') i++;
        var start = i;
        while (i < rest.Length && rest[i] is not ((byte)' ' or (byte)'\t' or (byte)'"' or (byte)';' or (byte)'\r' or (byte)'\n' or (byte)'(')) i++;
        // an unreadable value (folded onto the next line, empty) is not known to be the identity: say so with a non-match
        return start == i ? "?" : Encoding.ASCII.GetString(rest[start..i]).ToLowerInvariant();
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        var first = needle[0];
        var lower = IsLetter(first) ? (byte)(first | 0x20) : first;
        var upper = IsLetter(first) ? (byte)(first & ~0x20) : first;
        var from = 0;
        while (from <= haystack.Length - needle.Length)
        {
            var i = haystack[from..].IndexOfAny(lower, upper);
            if (i < 0) return -1;
            var at = from + i;
            if (at > haystack.Length - needle.Length) return -1;
            if (Ascii.EqualsIgnoreCase(haystack.Slice(at, needle.Length), needle)) return at;
            from = at + 1;
        }
        return -1;
    }

    private static bool IsLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';
}
