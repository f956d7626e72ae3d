using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Imap.Protocol;

/// <summary>
/// Builds responses straight into the output pipe: atoms, numbers, quoted strings (escaped) or literals when a string
/// cannot be quoted (CR, LF, 8-bit, long), NIL, and mailbox names in modified UTF-7 (RFC 3501 §4, §5.1.3).
/// Nothing goes to the client until <see cref="FlushAsync"/>.
/// Small writes land in one block of the pipe's memory, handed to the pipe (Advance) only when the block is full or
/// someone else needs the pipe (<see cref="Output"/>, <see cref="FlushAsync"/>): a FETCH 1:* line is a dozen small
/// writes, and asking the pipe for room at each was a tenth of the command's CPU (issue 11).
/// </summary>
internal sealed class ResponseWriter(Func<PipeWriter> output)
{
    private const int MaxQuoted = 1024;

    /// <summary>Room asked of the pipe at a time; a larger write goes to the pipe directly.</summary>
    private const int Block = 16 * 1024;

    private PipeWriter? _pipe;    // the pipe the block belongs to (the connection's output changes at STARTTLS)
    private Memory<byte> _block;  // room from the pipe, not yet advanced
    private int _written;         // bytes of the block written

    /// <summary>The pipe itself, with everything written so far handed to it (for a caller that streams into it).</summary>
    public PipeWriter Output
    {
        get
        {
            Commit();
            return output();
        }
    }

    /// <summary>Bytes written and not yet flushed to the client; null when the pipe cannot tell.</summary>
    public long? Unflushed
    {
        get
        {
            var pipe = _pipe ?? output();
            return pipe.CanGetUnflushedBytes ? pipe.UnflushedBytes + _written : null;
        }
    }

    /// <summary>Room for at least <paramref name="size"/> bytes in the current block, or a new one.</summary>
    private Span<byte> Room(int size)
    {
        if (_block.Length - _written < size)
        {
            Commit();
            _pipe = output();
            _block = _pipe.GetMemory(Math.Max(size, Block));
        }
        return _block.Span[_written..];
    }

    /// <summary>Hands the block's written bytes to the pipe.</summary>
    private void Commit()
    {
        if (_pipe is not null && _written > 0) _pipe.Advance(_written);
        _pipe = null;
        _block = default;
        _written = 0;
    }

    public ResponseWriter Raw(string ascii)
    {
        if (ascii.Length > Block) return Raw(Encoding.UTF8.GetBytes(ascii));
        var room = Room(Encoding.UTF8.GetMaxByteCount(ascii.Length)); // before reading _written: Room may start a new block
        _written += Encoding.UTF8.GetBytes(ascii, room);
        return this;
    }

    public ResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Block)
        {
            Output.Write(bytes);
            return this;
        }
        bytes.CopyTo(Room(bytes.Length));
        _written += bytes.Length;
        return this;
    }

    // Numbers are formatted straight into the block (no string per number: FETCH 1:* writes tens of thousands).
    public ResponseWriter Number(long n)
    {
        n.TryFormat(Room(20), out var written, default, CultureInfo.InvariantCulture);
        _written += written;
        return this;
    }

    public ResponseWriter Number(ulong n)
    {
        n.TryFormat(Room(20), out var written, default, CultureInfo.InvariantCulture);
        _written += written;
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

    public ValueTask<FlushResult> FlushAsync(CancellationToken ct) => Output.FlushAsync(ct);
}
