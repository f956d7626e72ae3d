using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// APPEND (RFC 3501 §6.3.11, RFC 4315 APPENDUID, RFC 7888 LITERAL+, RFC 3502 MULTIAPPEND, RFC 3516 literal8): the
/// rights are checked before the client sends each message, each literal is streamed into the store's
/// <see cref="IMailboxAppend"/> as it arrives, and only a complete command commits, all messages together — a client
/// that vanishes mid-literal or a refused message leaves nothing behind.
/// </summary>
internal sealed partial class ImapSession
{
    private async Task<bool> AppendAsync(byte[] firstLine, long size, bool nonSync, CancellationToken ct)
    {
        var p = new CommandParser(firstLine, MessageLiteralStart(firstLine), _limits) { Utf8Names = _utf8 };
        var line = firstLine;
        var tag = p.Tag();
        string mailbox;
        try
        {
            p.Space();
            p.Atom();
            p.Space();
            mailbox = p.Mailbox();
            p.Space();
        }
        catch (ImapParseException e)
        {
            return await RefuseAppendAsync(tag, size, nonSync, "BAD " + e.Message, ct);
        }
        if (!Allowed("APPEND")) return await RefuseAppendAsync(tag, size, nonSync, "BAD Command not valid in this state", ct);

        // RFC 3502 MULTIAPPEND: each message is streamed into its own pending append; they are committed together
        // once the command line ends, and a failure anywhere disposes them all (nothing stored).
        var pending = new List<IMailboxAppend>();
        try
        {
            while (true)
            {
                MessageFlags flags;
                List<string> keywords;
                DateTimeOffset? internalDate;
                bool utf8;
                try
                {
                    (flags, keywords, internalDate, utf8) = ParseAppendMessage(p);
                    // RFC 6855 §4: the UTF8 data item only once enabled, and its message is a literal8.
                    if (utf8 && !_utf8) throw new ImapParseException("APPEND UTF8 needs ENABLE UTF8=ACCEPT");
                    if (utf8 && line[MessageLiteralStart(line)] != '~') throw new ImapParseException("APPEND UTF8 takes a literal8 (~{n})");
                }
                catch (ImapParseException e)
                {
                    return await RefuseAppendAsync(tag, size, nonSync, "BAD " + e.Message, ct);
                }
                if (size < 0 || size > _limits.MaxAppend) return await RefuseAppendAsync(tag, size, nonSync, "NO [TOOBIG] Message too large", ct);
                if (pending.Count >= _limits.MaxMultiAppend) return await RefuseAppendAsync(tag, size, nonSync, "NO [LIMIT] Too many messages in one APPEND", ct);
                try
                {
                    pending.Add(await services.Mailboxes.BeginAppendAsync(Me, mailbox, flags, keywords, internalDate, ct));
                }
                catch (MailboxException e)
                {
                    if (nonSync && !await SkipRefusedLiteralAsync(size, ct)) return false;
                    WriteMailboxError(tag, e);
                    return true;
                }
                if (!nonSync)
                {
                    _out.Raw("+ Ready for literal data\r\n");
                    await _out.FlushAsync(ct);
                }
                var append = pending[^1];
                if (!await CommandReader.CopyAsync(connection.Input, size, (chunk, token) => append.WriteAsync(chunk, token), ct))
                    return false; // the client vanished mid-literal: disposing without a commit stores nothing
                var (status, rest) = await CommandReader.ReadLineAsync(connection.Input, _limits.MaxLineLength, ct);
                if (status == LineStatus.EndOfStream) return false;
                if (status == LineStatus.TooLong)
                {
                    _out.Raw(tag).Raw(" BAD Command line too long\r\n");
                    return true;
                }
                if (utf8)
                {
                    if (rest.Length == 0 || rest[0] != ')')
                    {
                        _out.Raw(tag).Raw(" BAD Expected ')' after the UTF8 message\r\n");
                        return true;
                    }
                    rest = rest[1..];
                }
                if (rest.Length == 0) break;
                // Another message: SP [flag-list SP] [date-time SP] literal.
                if (!LiteralMarker.TryParse(rest, out size, out nonSync))
                {
                    _out.Raw(tag).Raw(" BAD Expected another message or the end of APPEND\r\n");
                    return true;
                }
                line = rest;
                p = new CommandParser(rest, MessageLiteralStart(rest), _limits) { Utf8Names = _utf8 };
                try
                {
                    p.Space();
                }
                catch (ImapParseException e)
                {
                    return await RefuseAppendAsync(tag, size, nonSync, "BAD " + e.Message, ct);
                }
            }
            try
            {
                var results = pending.Count == 1 ? [await pending[0].CommitAsync(ct)] : await services.Mailboxes.CommitAppendsAsync(pending, ct);
                await SyncAsync(allowExpunge: true, ct);
                // RFC 4315 §3: APPENDUID uidvalidity uid-set (one UID per message, in order).
                _out.Raw(tag).Raw(" OK [APPENDUID ").Number(results[0].UidValidity).Sp().Raw(SequenceSet.Format(results.Select(r => r.Uid).ToList()))
                    .Raw("] APPEND completed\r\n");
            }
            catch (MailboxException e)
            {
                WriteMailboxError(tag, e);
            }
            return true;
        }
        finally
        {
            foreach (var append in pending) await append.DisposeAsync();
        }
    }

    /// <summary>
    /// The per-message part of APPEND after the mailbox: <c>[flag-list SP] [date-time SP]</c> up to the literal, or
    /// up to <c>UTF8 SP "("</c> before it (RFC 6855 §4 append-data; the ")" follows the literal).
    /// </summary>
    private static (MessageFlags Flags, List<string> Keywords, DateTimeOffset? InternalDate, bool Utf8) ParseAppendMessage(CommandParser p)
    {
        var flags = MessageFlags.None;
        List<string> keywords = [];
        DateTimeOffset? internalDate = null;
        if (p.Peek() == '(')
        {
            (flags, keywords) = ParseFlags(p.FlagList());
            p.Space();
        }
        if (p.Peek() == '"')
        {
            var text = p.String();
            if (!TryParseInternalDate(text, out var date)) throw new ImapParseException("Invalid date-time");
            internalDate = date;
            p.Space();
        }
        var utf8 = false;
        if (!p.AtEnd && p.PeekAtom().Equals("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            p.Atom();
            p.Space();
            p.Expect('(');
            utf8 = true;
        }
        p.End();
        return (flags, keywords, internalDate, utf8);
    }

    /// <summary>Answers an APPEND refused before its literal; a non-synchronizing literal is on its way and is read and dropped.</summary>
    private async Task<bool> RefuseAppendAsync(string tag, long size, bool nonSync, string response, CancellationToken ct)
    {
        if (nonSync && !await SkipRefusedLiteralAsync(size, ct)) return false;
        _out.Raw(tag).Sp().Raw(response).Crlf();
        return true;
    }

    private async Task<bool> SkipRefusedLiteralAsync(long size, CancellationToken ct)
    {
        if (size < 0 || size > Math.Max(_limits.MaxSkippableLiteral, _limits.MaxAppend) || !await CommandReader.SkipAsync(connection.Input, size, ct))
        {
            _out.Raw("* BYE [LIMIT] Literal refused\r\n");
            return false;
        }
        await DiscardRestOfCommandAsync(ct);
        return true;
    }
}
