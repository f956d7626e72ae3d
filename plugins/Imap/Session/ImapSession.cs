using System.Buffers;
using System.Text;
using Imap.Protocol;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;

namespace Imap.Session;

/// <summary>
/// One IMAP connection: reads commands (lines and literals, bounded), runs them in the RFC 3501 §3 state machine and
/// writes the responses. Mailbox access is the store's: a <see cref="MailboxException"/> becomes <c>NO [CODE]</c>.
/// </summary>
internal sealed partial class ImapSession(IConnection connection, ImapServices services)
{
    private readonly ResponseWriter _out = new(() => connection.Output);
    private readonly ImapLimits _limits = services.Limits;
    private SessionState _state = SessionState.NotAuthenticated;
    private Principal? _principal;
    private AccountAddress? _account;
    private SelectedMailbox? _selected;
    private bool _condstore;
    private bool _qresync;
    private bool _utf8;

    private const string CommonCapabilities =
        "IMAP4rev1 LITERAL+ MULTIAPPEND BINARY SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS SEARCHRES " +
        "SPECIAL-USE ESEARCH CONDSTORE QRESYNC ACL RIGHTS=texk QUOTA QUOTA=RES-STORAGE QUOTASET UTF8=ACCEPT AUTH=PLAIN";

    private string Capabilities => connection.Tls is null && _state == SessionState.NotAuthenticated
        ? (LoginDisabled ? CommonCapabilities.Replace(" AUTH=PLAIN", "", StringComparison.Ordinal) + " LOGINDISABLED" : CommonCapabilities) + " STARTTLS"
        : CommonCapabilities;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            _out.Raw("* OK [CAPABILITY ").Raw(Capabilities).Raw("] Kernel IMAP ready\r\n");
            await _out.FlushAsync(ct);
            while (_state != SessionState.Logout)
            {
                var goOn = await ReadAndRunAsync(ct);
                await _out.FlushAsync(ct); // also the last words (LOGOUT's BYE, a BYE at a limit) before the close
                if (!goOn) break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The server drains: RFC 3501 §7.1.5 BYE before closing.
            try
            {
                _out.Raw("* BYE Server shutting down\r\n");
                await _out.FlushAsync(CancellationToken.None);
            }
            catch (IOException) { }
            catch (InvalidOperationException) { }
        }
        catch (IOException)
        {
            // the client went away
        }
        finally
        {
            if (_selected is not null) await _selected.DisposeAsync();
        }
    }

    /// <summary>Reads one command (with its literals) and runs it; false when the connection is to close.</summary>
    private async Task<bool> ReadAndRunAsync(CancellationToken ct)
    {
        var input = connection.Input;
        var (status, line) = await CommandReader.ReadLineAsync(input, _limits.MaxLineLength, ct);
        if (status == LineStatus.EndOfStream) return false;
        if (status == LineStatus.TooLong)
        {
            _out.Raw("* BAD Command line too long\r\n");
            return true;
        }
        if (line.Length == 0)
        {
            _out.Raw("* BAD Empty command line\r\n");
            return true;
        }

        var command = new ArrayBufferWriter<byte>(line.Length + 16);
        command.Write(line);
        var append = IsAppend(command.WrittenSpan);
        while (LiteralMarker.TryParse(line, out var size, out var nonSync))
        {
            // The mailbox name may itself be a literal (RFC 3501 astring); the literal after it is the message.
            if (append && !IsMailboxLiteral(command.WrittenSpan, _limits))
            {
                return await AppendAsync(command.WrittenMemory.ToArray(), size, nonSync, ct);
            }
            if (size < 0 || size > _limits.MaxLiteral || command.WrittenCount + size > _limits.MaxCommandLength)
            {
                if (nonSync)
                {
                    // RFC 7888 §4: the client sends the data anyway; skip what is reasonable, else close.
                    if (size < 0 || size > _limits.MaxSkippableLiteral || !await CommandReader.SkipAsync(connection.Input, size, ct))
                    {
                        _out.Raw("* BYE [LIMIT] Literal too large\r\n");
                        return false;
                    }
                    await DiscardRestOfCommandAsync(ct);
                }
                _out.Raw(TagOf(command.WrittenSpan)).Raw(" BAD [LIMIT] Literal too large\r\n");
                return true;
            }
            if (!nonSync)
            {
                _out.Raw("+ Ready for literal data\r\n");
                await _out.FlushAsync(ct);
            }
            command.Write("\r\n"u8);
            if (!await CommandReader.ReadExactAsync(connection.Input, size, command, ct)) return false;
            (status, line) = await CommandReader.ReadLineAsync(connection.Input, _limits.MaxLineLength, ct);
            if (status == LineStatus.EndOfStream) return false;
            if (status == LineStatus.TooLong)
            {
                _out.Raw(TagOf(command.WrittenSpan)).Raw(" BAD Command line too long\r\n");
                return true;
            }
            command.Write(line);
        }
        return await RunCommandAsync(command.WrittenMemory.ToArray(), ct);
    }

    /// <summary>After a refused non-synchronizing literal: the rest of that command (more lines, small literals) is read and dropped.</summary>
    private async Task DiscardRestOfCommandAsync(CancellationToken ct)
    {
        while (true)
        {
            var (status, line) = await CommandReader.ReadLineAsync(connection.Input, _limits.MaxLineLength, ct);
            if (status != LineStatus.Line) return;
            if (!LiteralMarker.TryParse(line, out var size, out var nonSync) || !nonSync || size < 0 || size > _limits.MaxSkippableLiteral) return;
            if (!await CommandReader.SkipAsync(connection.Input, size, ct)) return;
        }
    }

    private static string TagOf(ReadOnlySpan<byte> command)
    {
        var sp = command.IndexOf((byte)' ');
        var tag = Encoding.ASCII.GetString(sp < 0 ? command : command[..sp]);
        return tag.Length is > 0 and < 64 && tag.All(c => c > ' ' && c < (char)0x7f && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or '+')) ? tag : "*";
    }

    private static bool IsAppend(ReadOnlySpan<byte> line)
    {
        var sp = line.IndexOf((byte)' ');
        if (sp < 0) return false;
        var rest = line[(sp + 1)..];
        return rest.Length > 7 && Ascii.EqualsIgnoreCase(rest[..7], "APPEND "u8);
    }

    /// <summary><c>tag APPEND {n}</c>: the literal at the end of the command so far is the mailbox name, not the message.</summary>
    private static bool IsMailboxLiteral(ReadOnlySpan<byte> command, ImapLimits limits)
    {
        var data = command.ToArray();
        var p = new CommandParser(data, MessageLiteralStart(data), limits);
        try
        {
            p.Tag();
            p.Space();
            p.Atom();
            p.Space();
            return p.AtEnd;
        }
        catch (ImapParseException)
        {
            return false; // malformed: the APPEND parser answers BAD
        }
    }

    /// <summary>Where the literal marker ending <paramref name="line"/> starts: its '{', or the '~' of an RFC 3516 literal8.</summary>
    private static int MessageLiteralStart(byte[] line)
    {
        var open = Array.LastIndexOf(line, (byte)'{');
        return open > 0 && line[open - 1] == '~' ? open - 1 : open;
    }

    private async Task<bool> RunCommandAsync(byte[] command, CancellationToken ct)
    {
        var parser = new CommandParser(command, _limits) { Utf8Names = _utf8 };
        string tag;
        try
        {
            tag = parser.Tag();
        }
        catch (ImapParseException)
        {
            _out.Raw("* BAD Missing or invalid tag\r\n");
            return true;
        }
        string name;
        try
        {
            parser.Space();
            name = parser.Atom().ToUpperInvariant();
        }
        catch (ImapParseException)
        {
            _out.Raw(tag).Raw(" BAD Missing command\r\n");
            return true;
        }
        try
        {
            var uid = false;
            if (name == "UID")
            {
                parser.Space();
                name = parser.Atom().ToUpperInvariant();
                uid = true;
                if (name is not ("FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "EXPUNGE")) throw new ImapParseException("Unknown UID command");
            }
            if (!Allowed(name))
            {
                _out.Raw(tag).Raw(" BAD Command not valid in this state\r\n");
                return true;
            }
            var keepOpen = await DispatchAsync(tag, name, uid, parser, ct);
            return keepOpen;
        }
        catch (ImapParseException e)
        {
            _out.Raw(tag).Raw(" BAD ").Raw(e.Message).Crlf();
        }
        catch (MailboxException e)
        {
            WriteMailboxError(tag, e);
        }
        catch (DirectoryException e)
        {
            _out.Raw(tag).Raw(" NO ").Raw(OneLine(e.Message)).Crlf();
        }
        return true;
    }

    private void WriteMailboxError(string tag, MailboxException e)
    {
        if (e.Error == MailboxError.BadRights)
        {
            _out.Raw(tag).Raw(" BAD ").Raw(OneLine(e.Message)).Crlf();
            return;
        }
        var code = e.Error switch
        {
            MailboxError.NonExistent => "NONEXISTENT",
            MailboxError.NoPerm => "NOPERM",
            MailboxError.Cannot => "CANNOT",
            MailboxError.AlreadyExists => "ALREADYEXISTS",
            MailboxError.OverQuota => "OVERQUOTA",
            MailboxError.TryCreate => "TRYCREATE",
            _ => "SERVERBUG",
        };
        _out.Raw(tag).Raw(" NO [").Raw(code).Raw("] ").Raw(OneLine(e.Message)).Crlf();
    }

    private static string OneLine(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(c is < ' ' or > '~' ? ' ' : c);
        return sb.Length == 0 ? "Failed" : sb.ToString();
    }

    private bool Allowed(string name) => name switch
    {
        "CAPABILITY" or "NOOP" or "LOGOUT" or "ID" => true,
        "STARTTLS" or "LOGIN" or "AUTHENTICATE" => _state == SessionState.NotAuthenticated,
        "FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "EXPUNGE" or "CLOSE" or "UNSELECT" or "CHECK" => _state == SessionState.Selected,
        _ => _state is SessionState.Authenticated or SessionState.Selected,
    };

    private async Task<bool> DispatchAsync(string tag, string name, bool uid, CommandParser p, CancellationToken ct)
    {
        switch (name)
        {
            case "CAPABILITY":
                p.End();
                _out.Raw("* CAPABILITY ").Raw(Capabilities).Crlf();
                break;
            case "NOOP":
            case "CHECK":
                p.End();
                break;
            case "LOGOUT":
                p.End();
                _out.Raw("* BYE Logging out\r\n").Raw(tag).Raw(" OK LOGOUT completed\r\n");
                _state = SessionState.Logout;
                return false;
            case "ID":
                p.Space();
                SkipIdParameters(p);
                _out.Raw("* ID (\"name\" \"Kernel\" \"version\" \"1.0.0\")\r\n");
                break;
            case "STARTTLS":
                p.End();
                if (connection.Tls is not null) throw new ImapParseException("TLS is already active");
                _out.Raw(tag).Raw(" OK Begin TLS negotiation now\r\n");
                await _out.FlushAsync(ct);
                await connection.StartTlsAsync(ct);
                return true;
            case "LOGIN":
                await LoginAsync(tag, p, ct);
                return true;
            case "AUTHENTICATE":
                return await AuthenticateAsync(tag, p, ct);
            case "ENABLE":
                Enable(p);
                break;
            case "SELECT":
            case "EXAMINE":
                await SelectAsync(tag, p, readOnly: name == "EXAMINE", ct);
                return true;
            case "CREATE": await CreateAsync(p, ct); break;
            case "DELETE": await DeleteAsync(p, ct); break;
            case "RENAME": await RenameAsync(p, ct); break;
            case "SUBSCRIBE": await SubscribeAsync(p, subscribe: true, ct); break;
            case "UNSUBSCRIBE": await SubscribeAsync(p, subscribe: false, ct); break;
            case "LIST": await ListAsync(p, ct); break;
            case "LSUB": await LsubAsync(p, ct); break;
            case "STATUS": await StatusAsync(p, ct); break;
            case "NAMESPACE": p.End(); await NamespaceAsync(ct); break;
            case "GETACL": await GetAclAsync(p, ct); break;
            case "SETACL": await SetAclAsync(p, ct); break;
            case "DELETEACL": await DeleteAclAsync(p, ct); break;
            case "LISTRIGHTS": await ListRightsAsync(p, ct); break;
            case "MYRIGHTS": await MyRightsAsync(p, ct); break;
            case "GETQUOTAROOT": await GetQuotaRootAsync(p, ct); break;
            case "GETQUOTA": await GetQuotaAsync(p, ct); break;
            case "SETQUOTA": await SetQuotaAsync(p, ct); break;
            case "IDLE":
                p.End();
                return await IdleAsync(tag, ct);
            case "FETCH":
                await FetchAsync(tag, p, uid, ct);
                return true;
            case "STORE":
                await StoreAsync(tag, p, uid, ct);
                return true;
            case "SEARCH":
                await SearchAsync(tag, p, uid, ct);
                return true;
            case "COPY":
            case "MOVE":
                await CopyAsync(tag, p, uid, move: name == "MOVE", ct);
                return true;
            case "EXPUNGE":
                await ExpungeAsync(tag, p, uid, ct);
                return true;
            case "CLOSE":
            case "UNSELECT":
                p.End();
                await CloseAsync(expunge: name == "CLOSE", ct);
                break;
            default:
                _out.Raw(tag).Raw(" BAD Unknown command\r\n");
                return true;
        }
        await SyncAsync(allowExpunge: true, ct);
        if (_state == SessionState.Logout) return false; // the selection was revoked: BYE was sent
        _out.Raw(tag).Raw(" OK ").Raw(name).Raw(" completed\r\n");
        return true;
    }

    /// <summary>RFC 2971: <c>ID NIL</c> or a list of string pairs; the client's values are only checked, not used.</summary>
    private static void SkipIdParameters(CommandParser p)
    {
        if (p.Peek() != '(')
        {
            if (p.NString() is not null) throw new ImapParseException("ID takes NIL or a parameter list");
            p.End();
            return;
        }
        p.Open();
        var n = 0;
        while (!p.TryChar(')'))
        {
            if (n++ > 0) p.Space();
            if (n > 60) throw new ImapParseException("Too many ID parameters");
            p.String();
            p.Space();
            p.NString();
        }
        p.End();
    }

    private void Enable(CommandParser p)
    {
        var enabled = new List<string>();
        while (!p.AtEnd)
        {
            p.Space();
            var cap = p.Atom().ToUpperInvariant();
            if (cap == "CONDSTORE" && !_condstore) { _condstore = true; enabled.Add(cap); }
            else if (cap == "QRESYNC" && !_qresync) { _qresync = _condstore = true; enabled.Add(cap); }
            else if (cap == "UTF8=ACCEPT" && !_utf8)
            {
                // RFC 6855 §3: from now on mailbox names both ways are UTF-8, and APPEND takes UTF8 (~{n}…).
                _utf8 = _out.Utf8Names = true;
                enabled.Add(cap);
            }
        }
        _out.Raw("* ENABLED");
        foreach (var e in enabled) _out.Sp().Raw(e);
        _out.Crlf();
    }
}
