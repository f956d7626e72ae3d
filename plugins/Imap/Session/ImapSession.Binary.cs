using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// FETCH BINARY[part]&lt;partial&gt;, BINARY.PEEK and BINARY.SIZE (RFC 3516): the part's content with its transfer
/// encoding removed, sent as a literal8 (<c>~{n}</c>) when it holds a NUL, else as an ordinary literal.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>False when a BINARY item names an existing part whose Content-Transfer-Encoding is unknown (→ NO [UNKNOWN-CTE]).</summary>
    private static bool CanDecodeBinary(List<FetchItem> items, MessageStructure structure)
    {
        foreach (var item in items)
        {
            if (item.Kind is not (FetchKind.Binary or FetchKind.BinarySize)) continue;
            if (SectionLocator.LocatePart(structure, item.Path) is { Part: { } part } && !IsContainer(part) && !BinaryDecoder.IsKnown(part.TransferEncoding)) return false;
        }
        return true;
    }

    /// <summary>A multipart or message/rfc822 part is sent as stored: only leaf content has a transfer encoding to remove.</summary>
    private static bool IsContainer(MessagePartStructure part) =>
        part.Embedded is not null || part.Type.Equals("multipart", StringComparison.OrdinalIgnoreCase);

    private async Task WriteBinaryAsync(FetchItem item, MessageSummary m, MessageStructure structure, CancellationToken ct)
    {
        _out.Raw(item.Label).Sp();
        var decoded = await DecodedPartAsync(item, m, structure, ct);
        if (item.Kind == FetchKind.BinarySize)
        {
            _out.Number(decoded?.Length ?? 0);
            return;
        }
        if (decoded is null)
        {
            _out.Raw("NIL");
            return;
        }
        var (start, length) = Partial(decoded.Length, item);
        var bytes = decoded.AsSpan((int)start, (int)length);
        // RFC 3516 §4.3: literal8 only where it is needed (the content holds a NUL).
        if (bytes.Contains((byte)0)) _out.Raw("~");
        _out.Literal(bytes);
    }

    /// <summary>The decoded content of the part, null when the part does not exist.</summary>
    private async Task<byte[]?> DecodedPartAsync(FetchItem item, MessageSummary m, MessageStructure structure, CancellationToken ct)
    {
        if (SectionLocator.LocatePart(structure, item.Path) is not { } located) return null;
        var raw = await ReadSectionAsync(m.Uid, located.Offset, located.Length, ct);
        if (raw is null) return null;
        return located.Part is { } part && !IsContainer(part) ? BinaryDecoder.Decode(part.TransferEncoding, raw) : raw;
    }
}
