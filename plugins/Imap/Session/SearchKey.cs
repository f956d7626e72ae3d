using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>One RFC 3501 §6.4.4 search key, parsed into a tree.</summary>
internal abstract record SearchKey
{
    public sealed record All : SearchKey;
    public sealed record Flag(MessageFlags Value, bool Set) : SearchKey;
    public sealed record Keyword(string Value, bool Set) : SearchKey;
    public sealed record Recent(bool Set) : SearchKey;
    public sealed record InternalDate(DateOnly Date, int Compare) : SearchKey;   // -1 BEFORE, 0 ON, 1 SINCE
    public sealed record SentDate(DateOnly Date, int Compare) : SearchKey;
    public sealed record Size(long Value, bool Larger) : SearchKey;
    public sealed record Header(string Field, string Value) : SearchKey;
    public sealed record Body(string Value, bool WholeText) : SearchKey;
    public sealed record Uids(SequenceSet Set) : SearchKey;
    public sealed record Sequence(SequenceSet Set) : SearchKey;
    public sealed record ModSeq(ulong Value) : SearchKey;
    public sealed record Not(SearchKey Key) : SearchKey;
    public sealed record Or(SearchKey Left, SearchKey Right) : SearchKey;
    public sealed record And(IReadOnlyList<SearchKey> Keys) : SearchKey;

    /// <summary>The keys up to the end of the command: an implicit AND.</summary>
    public static SearchKey ParseAll(CommandParser p)
    {
        var keys = new List<SearchKey>();
        do keys.Add(Parse(p)); while (p.TryChar(' '));
        p.End();
        return keys.Count == 1 ? keys[0] : new And(keys);
    }

    private static SearchKey Parse(CommandParser p)
    {
        if (p.TryOpen())
        {
            var keys = new List<SearchKey>();
            do keys.Add(Parse(p)); while (p.TryChar(' '));
            p.Close();
            return keys.Count == 1 ? keys[0] : new And(keys);
        }
        var c = p.Peek();
        if (c is (byte)'*' or (byte)'$' or >= (byte)'0' and <= (byte)'9') return new Sequence(p.SequenceSetOrSaved());
        var name = p.Atom().ToUpperInvariant();
        switch (name)
        {
            case "ALL": return new All();
            case "ANSWERED": return new Flag(MessageFlags.Answered, true);
            case "DELETED": return new Flag(MessageFlags.Deleted, true);
            case "DRAFT": return new Flag(MessageFlags.Draft, true);
            case "FLAGGED": return new Flag(MessageFlags.Flagged, true);
            case "SEEN": return new Flag(MessageFlags.Seen, true);
            case "UNANSWERED": return new Flag(MessageFlags.Answered, false);
            case "UNDELETED": return new Flag(MessageFlags.Deleted, false);
            case "UNDRAFT": return new Flag(MessageFlags.Draft, false);
            case "UNFLAGGED": return new Flag(MessageFlags.Flagged, false);
            case "UNSEEN": return new Flag(MessageFlags.Seen, false);
            case "RECENT": return new Recent(true);
            case "OLD": return new Recent(false);
            // RFC 3501 §6.4.4: NEW is RECENT UNSEEN.
            case "NEW": return new And([new Recent(true), new Flag(MessageFlags.Seen, false)]);
            case "KEYWORD": p.Space(); return new Keyword(p.Atom(), true);
            case "UNKEYWORD": p.Space(); return new Keyword(p.Atom(), false);
            case "BEFORE": p.Space(); return new InternalDate(ParseDate(p), -1);
            case "ON": p.Space(); return new InternalDate(ParseDate(p), 0);
            case "SINCE": p.Space(); return new InternalDate(ParseDate(p), 1);
            case "SENTBEFORE": p.Space(); return new SentDate(ParseDate(p), -1);
            case "SENTON": p.Space(); return new SentDate(ParseDate(p), 0);
            case "SENTSINCE": p.Space(); return new SentDate(ParseDate(p), 1);
            case "LARGER": p.Space(); return new Size(p.Number(), true);
            case "SMALLER": p.Space(); return new Size(p.Number(), false);
            case "BCC" or "CC" or "FROM" or "SUBJECT" or "TO": p.Space(); return new Header(name, p.AString());
            case "HEADER":
                p.Space();
                var field = p.AString();
                p.Space();
                return new Header(field.ToUpperInvariant(), p.AString());
            case "BODY": p.Space(); return new Body(p.AString(), false);
            case "TEXT": p.Space(); return new Body(p.AString(), true);
            case "UID": p.Space(); return new Uids(p.SequenceSetOrSaved());
            case "NOT": p.Space(); return new Not(Parse(p));
            case "OR":
                p.Space();
                var left = Parse(p);
                p.Space();
                return new Or(left, Parse(p));
            case "MODSEQ":
                p.Space();
                // RFC 7162 §3.1.5: optional entry name and type before the value.
                if (p.Peek() == '"')
                {
                    p.String();
                    p.Space();
                    p.Atom();
                    p.Space();
                }
                return new ModSeq(p.Number64());
            default: throw new ImapParseException("Unknown search key " + name);
        }
    }

    private static DateOnly ParseDate(CommandParser p)
    {
        var text = p.Peek() == '"' ? p.String() : p.Atom();
        var parts = text.Split('-');
        string[] months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
        if (parts.Length == 3 && int.TryParse(parts[0], out var d) && int.TryParse(parts[2], out var y) && Array.IndexOf(months, parts[1].ToUpperInvariant()) is >= 0 and var m)
        {
            try { return new DateOnly(y, m + 1, d); }
            catch (ArgumentOutOfRangeException) { }
        }
        throw new ImapParseException("Invalid date " + text);
    }
}
