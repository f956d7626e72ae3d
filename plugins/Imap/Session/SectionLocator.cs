using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// Where a BODY[section] lies in the stored message (RFC 3501 §6.4.5 part numbering): part paths walk multipart
/// children and step into message/rfc822 parts; HEADER/TEXT name a message's header and body; MIME a part's header.
/// </summary>
internal static class SectionLocator
{
    /// <summary>
    /// The part a BINARY[path] names (RFC 3516 §4.1: part numbers only), with its body range; the whole message as
    /// a part-less range when <paramref name="path"/> is empty. Null when the part does not exist.
    /// </summary>
    public static (MessagePartStructure? Part, long Offset, long Length)? LocatePart(MessageStructure root, int[] path)
    {
        var range = Locate(root, path, "");
        if (range is not { } r) return null;
        if (path.Length == 0) return (null, r.Offset, r.Length);
        var message = root;
        MessagePartStructure? part = null;
        foreach (var n in path)
        {
            var children = part is null ? ChildrenOf(message) : part.Embedded is { } embedded ? ChildrenOf(embedded) : part.Children;
            part = children[n - 1];
        }
        return (part, r.Offset, r.Length);
    }

    private static IReadOnlyList<MessagePartStructure> ChildrenOf(MessageStructure message) => IsMultipart(message.Body) ? message.Body.Children : [message.Body];

    /// <summary>The byte range, or null when the section does not exist (answered as an empty string).</summary>
    public static (long Offset, long Length)? Locate(MessageStructure root, int[] path, string specifier)
    {
        var message = root;
        MessagePartStructure? part = null;
        foreach (var n in path)
        {
            IReadOnlyList<MessagePartStructure> children;
            if (part is null) children = IsMultipart(message.Body) ? message.Body.Children : [message.Body];
            else if (part.Embedded is { } embedded)
            {
                message = embedded;
                children = IsMultipart(embedded.Body) ? embedded.Body.Children : [embedded.Body];
            }
            else if (IsMultipart(part)) children = part.Children;
            else return null;
            if (n > children.Count) return null;
            part = children[n - 1];
        }
        switch (specifier)
        {
            case "MIME":
                return part is null ? null : (part.HeaderOffset, part.HeaderLength);
            case "HEADER":
            case "HEADER.FIELDS":
            case "HEADER.FIELDS.NOT":
            case "TEXT":
                if (part is not null)
                {
                    if (part.Embedded is null) return null;
                    message = part.Embedded;
                }
                return specifier == "TEXT"
                    ? (message.Offset + message.HeaderLength, message.Size - message.HeaderLength)
                    : (message.Offset, message.HeaderLength);
            default:
                if (part is null) return (message.Offset, message.Size);
                return (part.BodyOffset, part.BodyLength);
        }
    }

    private static bool IsMultipart(MessagePartStructure part) => part.Type.Equals("multipart", StringComparison.OrdinalIgnoreCase);

    /// <summary>The header fields named (or, with <paramref name="exclude"/>, all others), each with its folded lines, and the blank line.</summary>
    public static byte[] FilterHeader(ReadOnlySpan<byte> header, IReadOnlyList<string> fields, bool exclude)
    {
        var output = new List<byte>(256);
        var include = false;
        var i = 0;
        while (i < header.Length)
        {
            var end = header[i..].IndexOf((byte)'\n');
            var lineEnd = end < 0 ? header.Length : i + end + 1;
            var line = header[i..lineEnd];
            if (line.Length <= 2 && (line.Length == 0 || line[0] is (byte)'\r' or (byte)'\n')) break;
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? "" : System.Text.Encoding.ASCII.GetString(line[..colon]).Trim();
                var listed = fields.Any(f => f.Equals(name, StringComparison.OrdinalIgnoreCase));
                include = colon > 0 && listed != exclude;
            }
            if (include) output.AddRange(line);
            i = lineEnd;
        }
        output.Add((byte)'\r');
        output.Add((byte)'\n');
        return output.ToArray();
    }
}
