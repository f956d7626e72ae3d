using System.Text;
using Imap.Protocol;

namespace Imap.Session;

internal enum FetchKind
{
    Uid,
    Flags,
    InternalDate,
    Size,
    Envelope,
    Body,
    BodyStructure,
    ModSeq,
    Section,
    Binary,
    BinarySize,
}

/// <summary>
/// One FETCH data item (RFC 3501 §6.4.5). For <see cref="FetchKind.Section"/>: the part path (<c>1.2</c>), the part
/// specifier (HEADER, TEXT, MIME, HEADER.FIELDS[.NOT] with its fields, or empty), the partial range and whether it
/// peeks; <see cref="Label"/> is how the response names it.
/// </summary>
internal sealed record FetchItem(FetchKind Kind)
{
    public int[] Path { get; init; } = [];

    public string Specifier { get; init; } = "";

    public IReadOnlyList<string> Fields { get; init; } = [];

    public long? PartialStart { get; init; }

    public long? PartialLength { get; init; }

    public bool Peek { get; init; }

    public string Label { get; init; } = "";

    /// <summary>Parses the item list of a FETCH command (a macro, one item, or a parenthesized list).</summary>
    public static List<FetchItem> ParseList(CommandParser p)
    {
        var items = new List<FetchItem>();
        if (p.TryOpen())
        {
            do items.Add(ParseOne(p)); while (p.TryChar(' '));
            p.Close();
            return items;
        }
        var first = ParseOne(p, macros: true, items);
        if (first is not null) items.Add(first);
        return items;
    }

    private static FetchItem ParseOne(CommandParser p) => ParseOne(p, macros: false, null)!;

    private static FetchItem? ParseOne(CommandParser p, bool macros, List<FetchItem>? into)
    {
        var name = ReadName(p).ToUpperInvariant();
        if (macros && into is not null)
        {
            // RFC 3501 §6.4.5 macros.
            switch (name)
            {
                case "ALL": into.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size), new(FetchKind.Envelope)]); return null;
                case "FAST": into.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size)]); return null;
                case "FULL": into.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size), new(FetchKind.Envelope), new(FetchKind.Body)]); return null;
            }
        }
        switch (name)
        {
            case "UID": return new(FetchKind.Uid);
            case "FLAGS": return new(FetchKind.Flags);
            case "INTERNALDATE": return new(FetchKind.InternalDate);
            case "RFC822.SIZE": return new(FetchKind.Size);
            case "ENVELOPE": return new(FetchKind.Envelope);
            case "BODYSTRUCTURE": return new(FetchKind.BodyStructure);
            case "MODSEQ": return new(FetchKind.ModSeq);
            case "RFC822": return new(FetchKind.Section) { Label = "RFC822" };
            case "RFC822.HEADER": return new(FetchKind.Section) { Specifier = "HEADER", Peek = true, Label = "RFC822.HEADER" };
            case "RFC822.TEXT": return new(FetchKind.Section) { Specifier = "TEXT", Label = "RFC822.TEXT" };
            case "BODY" when p.Peek() != '[': return new(FetchKind.Body);
            case "BODY":
            case "BODY.PEEK":
                return ParseSection(p, peek: name == "BODY.PEEK");
            case "BINARY":
            case "BINARY.PEEK":
            case "BINARY.SIZE":
                return ParseBinary(p, name);
            default: throw new ImapParseException("Unknown FETCH item " + name);
        }
    }

    private static string ReadName(CommandParser p)
    {
        var sb = new StringBuilder();
        while (!p.AtEnd && p.Peek() is not ((byte)' ' or (byte)'(' or (byte)')' or (byte)'['))
        {
            sb.Append((char)p.Peek());
            p.Advance();
            if (sb.Length > 64) throw new ImapParseException("FETCH item name too long");
        }
        return sb.Length > 0 ? sb.ToString() : throw new ImapParseException("Expected a FETCH item");
    }

    /// <summary>RFC 3516 §4.1: <c>BINARY[.PEEK]\[part]&lt;partial&gt;</c> and <c>BINARY.SIZE\[part]</c>; the section is part numbers only.</summary>
    private static FetchItem ParseBinary(CommandParser p, string name)
    {
        p.Expect('[');
        var text = p.UntilBracket();
        p.Expect(']');
        var path = new List<int>();
        foreach (var number in text.Length == 0 ? [] : text.Split('.'))
        {
            if (number.Length == 0 || number[0] == '0' || !number.All(char.IsAsciiDigit) || !int.TryParse(number, out var n)) throw new ImapParseException("Invalid BINARY section");
            path.Add(n);
            if (path.Count > 32) throw new ImapParseException("Section nested too deeply");
        }
        var size = name == "BINARY.SIZE";
        long? start = null, length = null;
        if (!size && p.TryChar('<'))
        {
            start = p.Number();
            p.Expect('.');
            length = p.Number();
            if (length == 0) throw new ImapParseException("Partial length must be positive");
            p.Expect('>');
        }
        var label = (size ? "BINARY.SIZE[" : "BINARY[") + string.Join('.', path) + "]" + (start is { } s ? $"<{s}>" : "");
        return new FetchItem(size ? FetchKind.BinarySize : FetchKind.Binary)
        {
            Path = path.ToArray(),
            PartialStart = start,
            PartialLength = length,
            Peek = name != "BINARY",
            Label = label,
        };
    }

    private static FetchItem ParseSection(CommandParser p, bool peek)
    {
        p.Expect('[');
        var text = p.UntilBracket();
        p.Expect(']');
        var path = new List<int>();
        var rest = text;
        while (rest.Length > 0 && char.IsAsciiDigit(rest[0]))
        {
            var dot = rest.IndexOf('.');
            var number = dot < 0 ? rest : rest[..dot];
            if (!int.TryParse(number, out var n) || n < 1 || number[0] == '0') throw new ImapParseException("Invalid section part number");
            path.Add(n);
            if (path.Count > 32) throw new ImapParseException("Section nested too deeply");
            rest = dot < 0 ? "" : rest[(dot + 1)..];
        }
        var specifier = rest;
        var fields = new List<string>();
        var upper = specifier.ToUpperInvariant();
        if (upper.StartsWith("HEADER.FIELDS", StringComparison.Ordinal))
        {
            var notFields = upper.StartsWith("HEADER.FIELDS.NOT", StringComparison.Ordinal);
            var head = notFields ? "HEADER.FIELDS.NOT" : "HEADER.FIELDS";
            var listText = specifier[head.Length..];
            var bytes = Encoding.ASCII.GetBytes(listText);
            var sub = new CommandParser(bytes, ImapLimits.Default);
            sub.Space();
            sub.Open();
            do fields.Add(sub.AString().ToUpperInvariant()); while (sub.TryChar(' '));
            sub.Close();
            sub.End();
            upper = head;
        }
        else if (upper is not ("" or "HEADER" or "TEXT" or "MIME"))
        {
            throw new ImapParseException("Invalid section");
        }
        if (upper == "MIME" && path.Count == 0) throw new ImapParseException("MIME needs a part number");
        long? start = null, length = null;
        if (p.TryChar('<'))
        {
            start = p.Number();
            p.Expect('.');
            length = p.Number();
            if (length == 0) throw new ImapParseException("Partial length must be positive");
            p.Expect('>');
        }
        var label = new StringBuilder("BODY[");
        label.Append(string.Join('.', path));
        if (path.Count > 0 && upper.Length > 0) label.Append('.');
        label.Append(upper);
        if (fields.Count > 0) label.Append(" (").Append(string.Join(' ', fields)).Append(')');
        label.Append(']');
        if (start is { } s) label.Append('<').Append(s).Append('>');
        return new FetchItem(FetchKind.Section)
        {
            Path = path.ToArray(),
            Specifier = upper,
            Fields = fields,
            PartialStart = start,
            PartialLength = length,
            Peek = peek,
            Label = label.ToString(),
        };
    }
}
