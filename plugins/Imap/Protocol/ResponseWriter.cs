using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Imap.Protocol;

/// <summary>
/// Builds responses straight into the output pipe: atoms, numbers, quoted strings (escaped) or literals when a string
/// cannot be quoted (CR, LF, 8-bit, long), NIL, and mailbox names in modified UTF-7 (RFC 3501 §4, §5.1.3).
/// Nothing goes to the client until <see cref="FlushAsync"/>.
/// </summary>
internal sealed class ResponseWriter(Func<PipeWriter> output)
{
    private const int MaxQuoted = 1024;

    public PipeWriter Output => output();

    public ResponseWriter Raw(string ascii)
    {
        var w = output();
        var span = w.GetSpan(Encoding.UTF8.GetMaxByteCount(ascii.Length));
        var n = Encoding.UTF8.GetBytes(ascii, span);
        w.Advance(n);
        return this;
    }

    public ResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        output().Write(bytes);
        return this;
    }

    // Numbers are formatted straight into the pipe (no string per number: FETCH 1:* writes tens of thousands).
    public ResponseWriter Number(long n)
    {
        var w = output();
        n.TryFormat(w.GetSpan(20), out var written, default, CultureInfo.InvariantCulture);
        w.Advance(written);
        return this;
    }

    public ResponseWriter Number(ulong n)
    {
        var w = output();
        n.TryFormat(w.GetSpan(20), out var written, default, CultureInfo.InvariantCulture);
        w.Advance(written);
        return this;
    }

    public ResponseWriter Sp() => Raw(" "u8);

    public ResponseWriter Crlf() => Raw("\r\n"u8);

    /// <summary>A string as quoted when it can be, else as a literal.</summary>
    public ResponseWriter String(string value)
    {
        if (CanQuote(value)) return Quoted(value);
        return Literal(Encoding.UTF8.GetBytes(value));
    }

    public ResponseWriter NString(string? value) => value is null ? Raw("NIL"u8) : String(value);

    /// <summary>An astring: bare when it is a plain atom, else quoted/literal.</summary>
    public ResponseWriter AString(string value)
    {
        if (value.Length > 0 && value.All(IsAtomChar) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase)) return Raw(value);
        return String(value);
    }

    /// <summary>After <c>ENABLE UTF8=ACCEPT</c>: mailbox names go out as UTF-8 (RFC 6855 §3), never modified UTF-7.</summary>
    public bool Utf8Names { get; set; }

    /// <summary>A mailbox name in modified UTF-7 (RFC 3501 §5.1.3), or as UTF-8 once the client enabled it (quoted: RFC 6855 §3 allows UTF-8 there).</summary>
    public ResponseWriter Mailbox(string name)
    {
        if (!Utf8Names) return AString(ModifiedUtf7.Encode(name));
        if (name.Length > 0 && name.All(IsAtomChar) && !name.Equals("NIL", StringComparison.OrdinalIgnoreCase)) return Raw(name);
        return name.Length <= MaxQuoted && !name.Any(char.IsControl) ? Quoted(name) : Literal(Encoding.UTF8.GetBytes(name));
    }

    public ResponseWriter Literal(ReadOnlySpan<byte> bytes)
    {
        Raw("{").Number(bytes.Length).Raw("}\r\n");
        return Raw(bytes);
    }

    private ResponseWriter Quoted(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return Raw(sb.Append('"').ToString());
    }

    private static bool CanQuote(string value)
    {
        if (value.Length > MaxQuoted) return false;
        foreach (var c in value) if (c is < (char)0x20 or > (char)0x7e) return false;
        return true;
    }

    private static bool IsAtomChar(char c) =>
        c > ' ' && c < (char)0x7f && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\');

    public ValueTask<FlushResult> FlushAsync(CancellationToken ct) => output().FlushAsync(ct);
}
