using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>
/// APPEND (RFC 3501 §6.3.11, RFC 4315 APPENDUID, RFC 7888 LITERAL+): the rights are checked before the client sends
/// the message, the literal is streamed into the store's <see cref="IMailboxAppend"/> as it arrives, and only a
/// complete command commits — a client that vanishes mid-literal leaves nothing behind.
/// </summary>
internal sealed partial class ImapSession
{
    private async Task<bool> AppendAsync(byte[] firstLine, long size, bool nonSync, CancellationToken ct)
    {
        var open = Array.LastIndexOf(firstLine, (byte)'{');
        var p = new CommandParser(firstLine, open, _limits);
        var tag = p.Tag();
        string mailbox;
        var flags = MessageFlags.None;
        List<string> keywords = [];
        DateTimeOffset? internalDate = null;
        try
        {
            p.Space();
            p.Atom();
            p.Space();
            mailbox = p.Mailbox();
            p.Space();
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
            p.End();
        }
        catch (ImapParseException e)
        {
            return await RefuseAppendAsync(tag, size, nonSync, "BAD " + e.Message, ct);
        }
        if (!Allowed("APPEND")) return await RefuseAppendAsync(tag, size, nonSync, "BAD Command not valid in this state", ct);
        if (size < 0 || size > _limits.MaxAppend) return await RefuseAppendAsync(tag, size, nonSync, "NO [TOOBIG] Message too large", ct);

        IMailboxAppend append;
        try
        {
            append = await services.Mailboxes.BeginAppendAsync(Me, mailbox, flags, keywords, internalDate, ct);
        }
        catch (MailboxException e)
        {
            if (nonSync && !await SkipRefusedLiteralAsync(size, ct)) return false;
            WriteMailboxError(tag, e);
            return true;
        }
        await using (append)
        {
            if (!nonSync)
            {
                _out.Raw("+ Ready for literal data\r\n");
                await _out.FlushAsync(ct);
            }
            if (!await CommandReader.CopyAsync(connection.Input, size, (chunk, token) => append.WriteAsync(chunk, token), ct))
                return false; // the client vanished mid-literal: disposing without a commit stores nothing
            var (status, rest) = await CommandReader.ReadLineAsync(connection.Input, _limits.MaxLineLength, ct);
            if (status == LineStatus.EndOfStream) return false;
            if (status == LineStatus.TooLong || rest.Length > 0)
            {
                // MULTIAPPEND (RFC 3502) is not offered: anything after the literal is an error, and nothing is stored.
                if (LiteralMarker.TryParse(rest, out var more, out var moreNonSync) && moreNonSync && !await SkipRefusedLiteralAsync(more, ct)) return false;
                _out.Raw(tag).Raw(" BAD Unexpected data after the APPEND literal\r\n");
                return true;
            }
            try
            {
                var result = await append.CommitAsync(ct);
                await SyncAsync(allowExpunge: true, ct);
                _out.Raw(tag).Raw(" OK [APPENDUID ").Number(result.UidValidity).Sp().Number(result.Uid).Raw("] APPEND completed\r\n");
            }
            catch (MailboxException e)
            {
                WriteMailboxError(tag, e);
            }
        }
        return true;
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
