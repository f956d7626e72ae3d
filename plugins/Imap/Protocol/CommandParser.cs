using System.Globalization;
using System.Text;

namespace Imap.Protocol;

/// <summary>
/// A cursor over one complete command in wire form (lines and literals as received, without the final CRLF):
/// the RFC 3501 §9 productions a session needs. Every failure throws <see cref="ImapParseException"/> (→ BAD).
/// </summary>
internal sealed class CommandParser(byte[] data, int length, ImapLimits limits)
{
    private int _pos;
    private int _depth;

    public CommandParser(byte[] data, ImapLimits limits) : this(data, data.Length, limits) { }

    /// <summary>After <c>ENABLE UTF8=ACCEPT</c> (RFC 6855 §3): mailbox names are UTF-8 as sent, not modified UTF-7.</summary>
    public bool Utf8Names { get; init; }

    public bool AtEnd => _pos >= length;

    public int Position => _pos;

    public void Advance() => _pos++;

    /// <summary>The atom at the cursor without consuming it (empty when none).</summary>
    public string PeekAtom()
    {
        var end = _pos;
        while (end < length && IsAtomChar(data[end])) end++;
        return Encoding.ASCII.GetString(data, _pos, end - _pos);
    }

    public byte Peek() => _pos < length ? data[_pos] : (byte)0;

    public bool TryChar(char c)
    {
        if (_pos < length && data[_pos] == c) { _pos++; return true; }
        return false;
    }

    public void Expect(char c)
    {
        if (!TryChar(c)) throw new ImapParseException(AtEnd ? $"Expected '{c}' but the command ended" : $"Expected '{c}'");
    }

    public void Space() => Expect(' ');

    public void End()
    {
        if (!AtEnd) throw new ImapParseException("Unexpected characters at the end of the command");
    }

    /// <summary>Enters a parenthesized list; deeper than <see cref="ImapLimits.MaxNesting"/> is refused.</summary>
    public void Open()
    {
        Expect('(');
        if (++_depth > limits.MaxNesting) throw new ImapParseException("Parentheses nested too deeply");
    }

    public void Close()
    {
        Expect(')');
        _depth--;
    }

    public bool TryOpen()
    {
        if (Peek() != '(') return false;
        Open();
        return true;
    }

    private static bool IsAtomChar(byte b) =>
        b > 0x20 && b < 0x7f && b is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    /// <summary>An RFC 3501 tag: astring characters except '+'.</summary>
    public string Tag()
    {
        var start = _pos;
        while (_pos < length && (IsAtomChar(data[_pos]) || data[_pos] == ']') && data[_pos] != '+') _pos++;
        if (_pos == start) throw new ImapParseException("Missing tag");
        return Encoding.ASCII.GetString(data, start, _pos - start);
    }

    public string Atom() => Chars(b => IsAtomChar(b), "Expected an atom");

    /// <summary>An atom in which ']' is allowed (ASTRING-CHAR).</summary>
    private string AStringAtom() => Chars(b => IsAtomChar(b) || b == ']', "Expected a string");

    /// <summary>Any run of non-space printable characters other than parentheses (a sequence set, a FETCH item name, a flag with '\').</summary>
    public string Word() => Chars(b => b > 0x20 && b < 0x7f && b is not ((byte)'(' or (byte)')' or (byte)'"' or (byte)'{'), "Expected a word");

    /// <summary>The characters up to ']' (a section spec is parsed by the caller).</summary>
    public string UntilBracket()
    {
        var start = _pos;
        while (_pos < length && data[_pos] != ']' && data[_pos] != '\r') _pos++;
        return Encoding.ASCII.GetString(data, start, _pos - start);
    }

    private string Chars(Func<byte, bool> accept, string error)
    {
        var start = _pos;
        while (_pos < length && accept(data[_pos])) _pos++;
        if (_pos == start) throw new ImapParseException(error);
        return Encoding.ASCII.GetString(data, start, _pos - start);
    }

    public uint Number()
    {
        var text = Chars(b => b is >= (byte)'0' and <= (byte)'9', "Expected a number");
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) throw new ImapParseException("Number out of range");
        return n;
    }

    public ulong Number64()
    {
        var text = Chars(b => b is >= (byte)'0' and <= (byte)'9', "Expected a number");
        // RFC 7162 mod-sequence-value: up to 2^63-1.
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue) throw new ImapParseException("Number out of range");
        return n;
    }

    public SequenceSet SequenceSet()
    {
        var text = Chars(b => b is (byte)':' or (byte)',' or (byte)'*' or >= (byte)'0' and <= (byte)'9', "Expected a sequence set");
        return Protocol.SequenceSet.TryParse(text, out var set) ? set! : throw new ImapParseException("Invalid sequence set");
    }

    /// <summary>A sequence set or RFC 5182 <c>$</c> (FETCH, STORE, COPY, MOVE, UID EXPUNGE and SEARCH keys).</summary>
    public SequenceSet SequenceSetOrSaved() => TryChar('$') ? Protocol.SequenceSet.Saved : SequenceSet();

    /// <summary>astring: atom (']' allowed) / quoted / literal.</summary>
    public string AString()
    {
        var b = Peek();
        if (b is (byte)'"' or (byte)'{') return String();
        return AStringAtom();
    }

    public byte[] AStringBytes()
    {
        var b = Peek();
        if (b == '"') return Encoding.UTF8.GetBytes(Quoted());
        if (b == '{') return LiteralBytes();
        return Encoding.ASCII.GetBytes(AStringAtom());
    }

    /// <summary>string: quoted / literal, as UTF-8 text.</summary>
    public string String()
    {
        if (Peek() == '"') return Quoted();
        if (Peek() == '{') return Encoding.UTF8.GetString(LiteralBytes());
        throw new ImapParseException("Expected a quoted string or a literal");
    }

    /// <summary>nstring: NIL or a string.</summary>
    public string? NString()
    {
        if (Peek() is (byte)'"' or (byte)'{') return String();
        var atom = Atom();
        return atom.Equals("NIL", StringComparison.OrdinalIgnoreCase) ? null : throw new ImapParseException("Expected NIL or a string");
    }

    private string Quoted()
    {
        Expect('"');
        var bytes = new List<byte>();
        while (true)
        {
            if (_pos >= length) throw new ImapParseException("Unterminated quoted string");
            var b = data[_pos++];
            if (b == '"') break;
            if (b is (byte)'\r' or (byte)'\n' or 0) throw new ImapParseException("Line break in a quoted string");
            if (b == '\\')
            {
                if (_pos >= length) throw new ImapParseException("Unterminated quoted string");
                b = data[_pos++];
                if (b is not ((byte)'\\' or (byte)'"')) throw new ImapParseException("Invalid escape in a quoted string");
            }
            bytes.Add(b);
        }
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new ImapParseException("Quoted string is not valid UTF-8");
        }
    }

    /// <summary>A literal: <c>{n}</c> or <c>{n+}</c>, CRLF, then n bytes (the command reader already received them).</summary>
    public byte[] LiteralBytes()
    {
        Expect('{');
        var n = Number();
        TryChar('+');
        Expect('}');
        if (_pos + 2 > length || data[_pos] != '\r' || data[_pos + 1] != '\n') throw new ImapParseException("Literal marker must end the line");
        _pos += 2;
        if (n > length - _pos) throw new ImapParseException("Literal shorter than announced");
        var bytes = data.AsSpan(_pos, (int)n).ToArray();
        _pos += (int)n;
        return bytes;
    }

    /// <summary>A mailbox name: astring, "INBOX" in any case normalised (RFC 3501 §5.1), modified UTF-7 decoded (invalid → BAD).</summary>
    public string Mailbox()
    {
        if (!Utf8Names) return DecodeMailbox(AString());
        // UTF-8 names are quoted or literals; clients such as python's imaplib also send them as bare atoms: accepted.
        return DecodeUtf8Mailbox(Peek() is (byte)'"' or (byte)'{' ? String() : Utf8Chars(b => IsAtomChar(b) || b == ']', "Expected a mailbox name"));
    }

    /// <summary>A run of accepted ASCII bytes and UTF-8 sequences (invalid UTF-8 → BAD).</summary>
    private string Utf8Chars(Func<byte, bool> accept, string error)
    {
        var start = _pos;
        while (_pos < length && (accept(data[_pos]) || data[_pos] >= 0x80)) _pos++;
        if (_pos == start) throw new ImapParseException(error);
        try
        {
            return new UTF8Encoding(false, true).GetString(data, start, _pos - start);
        }
        catch (DecoderFallbackException)
        {
            throw new ImapParseException("Mailbox name is not valid UTF-8");
        }
    }

    public static string DecodeMailbox(string raw)
    {
        if (!ModifiedUtf7.TryDecode(raw, out var name)) throw new ImapParseException("Invalid modified UTF-7 in the mailbox name");
        return NormalizeInbox(name);
    }

    /// <summary>
    /// A UTF-8 mailbox name (RFC 6855 §3, RFC 9051 §5.1): taken as sent ('&amp;' is an ordinary character), without
    /// control characters (RFC 5198 Net-Unicode); a modified-UTF-7 client sees the same name. Not put in NFC: the
    /// kernel runs with invariant globalization, where .NET has no normalization tables for non-ASCII text.
    /// </summary>
    public static string DecodeUtf8Mailbox(string raw)
    {
        foreach (var c in raw)
        {
            if (char.IsControl(c)) throw new ImapParseException("Control character in the mailbox name");
            if (c == '\uFFFD') throw new ImapParseException("Mailbox name is not valid UTF-8");
        }
        return NormalizeInbox(raw);
    }

    private static string NormalizeInbox(string name)
    {
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return "INBOX";
        if (name.Length > 6 && name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase)) return "INBOX" + name[5..];
        return name;
    }

    /// <summary>A flag: <c>\Seen</c>-style system flags or keyword atoms.</summary>
    public string Flag()
    {
        if (TryChar('\\')) return "\\" + Atom();
        return Atom();
    }

    /// <summary><c>(flag *(SP flag))</c>, possibly empty.</summary>
    public List<string> FlagList()
    {
        Open();
        var flags = new List<string>();
        while (!TryChar(')'))
        {
            if (flags.Count > 0) Space();
            flags.Add(Flag());
        }
        _depth--;
        return flags;
    }

    /// <summary>A LIST pattern: a string, or list-chars (atom characters plus <c>% * ]</c>), modified UTF-7 decoded.</summary>
    public string ListMailbox()
    {
        string raw;
        if (Peek() is (byte)'"' or (byte)'{') raw = String();
        else if (Utf8Names) raw = Utf8Chars(b => IsAtomChar(b) || b is (byte)'%' or (byte)'*' or (byte)']', "Expected a mailbox pattern");
        else raw = Chars(b => IsAtomChar(b) || b is (byte)'%' or (byte)'*' or (byte)']', "Expected a mailbox pattern");
        if (Utf8Names)
        {
            foreach (var c in raw) if (char.IsControl(c) || c == '\uFFFD') throw new ImapParseException("Invalid character in the mailbox pattern");
            return raw;
        }
        if (!ModifiedUtf7.TryDecode(raw, out var decoded)) throw new ImapParseException("Invalid modified UTF-7 in the mailbox pattern");
        return decoded;
    }
}
