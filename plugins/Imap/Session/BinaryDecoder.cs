using MimeKit.Encodings;

namespace Imap.Session;

/// <summary>
/// RFC 3516 BINARY: a part's content with its Content-Transfer-Encoding removed. 7bit/8bit/binary (and no
/// encoding) pass through; base64 and quoted-printable are decoded; anything else is unknown (<c>NO [UNKNOWN-CTE]</c>).
/// </summary>
internal static class BinaryDecoder
{
    /// <summary>True when the server can decode <paramref name="transferEncoding"/> (RFC 3516 §4.2).</summary>
    public static bool IsKnown(string? transferEncoding) => Normalize(transferEncoding) is "7BIT" or "8BIT" or "BINARY" or "BASE64" or "QUOTED-PRINTABLE";

    /// <summary>The decoded bytes of <paramref name="encoded"/>; the caller checked <see cref="IsKnown"/>.</summary>
    public static byte[] Decode(string? transferEncoding, ReadOnlySpan<byte> encoded)
    {
        IMimeDecoder? decoder = Normalize(transferEncoding) switch
        {
            "BASE64" => new Base64Decoder(),
            "QUOTED-PRINTABLE" => new QuotedPrintableDecoder(),
            _ => null,
        };
        if (decoder is null) return encoded.ToArray();
        var input = encoded.ToArray();
        var output = new byte[decoder.EstimateOutputLength(input.Length)];
        var n = decoder.Decode(input, 0, input.Length, output);
        return output.AsSpan(0, n).ToArray();
    }

    private static string Normalize(string? transferEncoding) =>
        string.IsNullOrEmpty(transferEncoding) ? "7BIT" : transferEncoding.Trim().ToUpperInvariant();
}
