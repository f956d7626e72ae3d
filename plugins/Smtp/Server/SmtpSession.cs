using System.Buffers;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Smtp.Protocol;

namespace Smtp.Server;

/// <summary>
/// One SMTP server session on one connection (RFC 5321 §4.1.4 sequencing), for every listener role: the state
/// machine reads a command, answers it, and repeats until QUIT, a fatal limit, the client closing, or the server
/// draining. Replies are written as they are made and flushed only when the next read would wait (RFC 2920
/// pipelining keeps them in order). Transactions, AUTH and the queue verbs are in the other parts of this class.
/// </summary>
internal sealed partial class SmtpSession
{
    private const int MaxCommandLine = 512;       // RFC 5321 §4.5.3.1.4, CRLF included
    private const int MaxSaslLine = 12288;        // RFC 4954 §4: a longer initial response must be allowed

    private readonly IConnection _connection;
    private readonly SmtpServices _services;
    private readonly SmtpListenerKind _kind;
    private readonly CancellationToken _drain;
    private readonly ReadDeadline _readDeadline;
    private readonly Func<ValueTask> _flushBeforeWait;
    private string? _helo;
    private bool _esmtp;
    private AccountAddress? _account;
    private int _errors;
    private int _transactions;
    private bool _closing;

    public SmtpSession(IConnection connection, SmtpServices services, SmtpListenerKind kind, CancellationToken drain)
    {
        _connection = connection;
        _services = services;
        _kind = kind;
        _drain = drain;
        _readDeadline = new ReadDeadline(drain);
        _flushBeforeWait = FlushAsync;
    }

    private SmtpServerOptions Options => _services.Options;

    private System.Net.IPAddress ClientIp => _connection.RemoteEndPoint.Address;

    /// <summary>In the Client IP Addresses (the kernel's classifier, current settings): clear-text login is allowed.</summary>
    private bool IsClientAddress => _services.Classifier.IsClientAddress(ClientIp);

    private string ServerName => Options.ServerName;

    public async Task RunAsync()
    {
        Reply(_kind == SmtpListenerKind.Odmr
            ? new SmtpReply(220, null, $"{ServerName} ODMR service ready")
            : new SmtpReply(220, null, $"{ServerName} ESMTP"));
        try
        {
            while (!_closing)
            {
                var (status, line) = await ReadCommandAsync(MaxCommandLine);
                switch (status)
                {
                    case CommandLineStatus.Closed:
                        return;
                    case CommandLineStatus.TooLong:
                        Error(SmtpReply.LineTooLong);
                        break;
                    case CommandLineStatus.BareLineEnding:
                        Error(SmtpReply.BareLineFeed);
                        break;
                    default:
                        await DispatchAsync(SmtpCommandLine.Parse(line));
                        break;
                }
                if (!_closing && _errors >= Options.MaxErrors)
                {
                    Reply(SmtpReply.TooManyErrors);
                    _closing = true;
                }
            }
        }
        catch (OperationCanceledException) when (_drain.IsCancellationRequested)
        {
            await TryFinalReplyAsync(SmtpReply.ShuttingDown);
        }
        catch (OperationCanceledException)
        {
            // Our own read timeout fired (RFC 5321 §4.5.3.2): say why, then close.
            await TryFinalReplyAsync(SmtpReply.Timeout);
        }
        finally
        {
            await AbortTransactionAsync();
            _readDeadline.Dispose(); // its link to the drain token would otherwise live as long as the server
        }
        await FlushAsync();
    }

    private async Task DispatchAsync(SmtpCommandLine command)
    {
        // RFC 2645 §5.4: before the turn, the ODMR service knows only these.
        if (_kind == SmtpListenerKind.Odmr && command.Verb is not ("EHLO" or "HELO" or "AUTH" or "ATRN" or "STARTTLS" or "RSET" or "NOOP" or "QUIT"))
        {
            Error(SmtpReply.NotImplemented);
            return;
        }
        switch (command.Verb)
        {
            case "EHLO":
            case "HELO":
                await HelloAsync(command);
                break;
            case "MAIL":
                await MailAsync(command.Argument);
                break;
            case "RCPT":
                await RcptAsync(command.Argument);
                break;
            case "DATA":
                await DataAsync(command.Argument);
                break;
            case "BDAT":
                await BdatAsync(command.Argument);
                break;
            case "RSET":
                await AbortTransactionAsync();
                Reply(SmtpReply.Ok);
                break;
            case "NOOP":
                Reply(SmtpReply.Ok);
                break;
            case "QUIT":
                Reply(new SmtpReply(221, "2.0.0", $"{ServerName} closing connection"));
                _closing = true;
                break;
            case "VRFY":
                // smtp.md §2.1: never confirm or deny a user (no enumeration).
                Reply(new SmtpReply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
                break;
            case "EXPN":
                Error(SmtpReply.NotImplemented);
                break;
            case "HELP":
                Reply(new SmtpReply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH ETRN"));
                break;
            case "STARTTLS":
                await StartTlsAsync(command.Argument);
                break;
            case "AUTH":
                await AuthAsync(command.Argument);
                break;
            case "ETRN":
                await EtrnAsync(command.Argument);
                break;
            case "ATRN":
                await AtrnAsync(command.Argument, isTurn: false);
                break;
            case "TURN":
                await AtrnAsync(command.Argument, isTurn: true);
                break;
            default:
                Error(new SmtpReply(500, "5.5.1", "Command unrecognized"));
                break;
        }
    }

    private async Task HelloAsync(SmtpCommandLine command)
    {
        var name = command.Argument;
        if (name.Length == 0 || name.Contains(' '))
        {
            Error(new SmtpReply(501, "5.5.4", $"Syntax: {command.Verb} <hostname>"));
            return;
        }
        // RFC 5321 §4.1.4: EHLO/HELO resets a transaction in progress, as RSET does.
        await AbortTransactionAsync();
        _helo = name;
        _esmtp = command.Verb == "EHLO";
        if (!_esmtp)
        {
            Reply(new SmtpReply(250, null, $"{ServerName} Hello {name} [{ClientIp}]"));
            return;
        }
        var lines = new List<string> { $"{ServerName} Hello {name} [{ClientIp}]" };
        var mechanisms = ClearTextAllowed ? "CRAM-MD5 PLAIN LOGIN" : "CRAM-MD5";
        if (_kind == SmtpListenerKind.Odmr)
        {
            // smtp.md §9.1: fetchmail recognises exactly "250-AUTH " and "250-ATRN".
            lines.Add("AUTH " + mechanisms);
            lines.Add("ATRN");
            lines.Add("ENHANCEDSTATUSCODES");
            if (_connection.Tls is null) lines.Add("STARTTLS");
        }
        else
        {
            lines.Add($"SIZE {Options.MaxMessageSize}");
            lines.Add("8BITMIME");
            lines.Add("BINARYMIME");
            lines.Add("PIPELINING");
            lines.Add("ENHANCEDSTATUSCODES");
            lines.Add("DSN");
            lines.Add("SMTPUTF8");
            lines.Add("CHUNKING");
            lines.Add("ETRN");
            if (_connection.Tls is null) lines.Add("STARTTLS");
            lines.Add("AUTH " + mechanisms);
        }
        lines.Add("HELP");
        Reply(new SmtpReply(250, null, lines));
    }

    private async Task StartTlsAsync(string argument)
    {
        if (argument.Length > 0)
        {
            Error(SmtpReply.SyntaxError);
            return;
        }
        if (_connection.Tls is not null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        if (_mail is not null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        Reply(new SmtpReply(220, "2.0.0", "Ready to start TLS"));
        await FlushAsync();
        try
        {
            await _connection.StartTlsAsync(_drain);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            _services.Logger.LogInformation("smtp {ConnectionId}: TLS handshake with {Client} failed: {Reason}", _connection.Id, ClientIp, e.Message);
            _closing = true;
            return;
        }
        // RFC 3207 §4.2: forget everything learnt before the handshake; the client must EHLO again.
        _helo = null;
        _esmtp = false;
        _account = null;
        await AbortTransactionAsync();
    }

    private ValueTask<(CommandLineStatus Status, string Line)> ReadCommandAsync(int maxLength) => ReadWithTimeoutAsync(maxLength, Options.CommandTimeout);

    private async ValueTask<(CommandLineStatus Status, string Line)> ReadWithTimeoutAsync(int maxLength, TimeSpan timeout)
    {
        try
        {
            return await CommandLineReader.ReadAsync(_connection.Input, maxLength, _flushBeforeWait, _readDeadline.Start(timeout));
        }
        finally
        {
            _readDeadline.Stop();
        }
    }

    /// <summary>Queues a reply; it goes out with the next flush (before the next read waits, or at the end).</summary>
    private void Reply(SmtpReply reply) => _connection.Output.Write(reply.ToBytes());

    /// <summary>A reply that counts toward the error limit (smtp.md §2.1).</summary>
    private void Error(SmtpReply reply)
    {
        _errors++;
        Reply(reply);
    }

    private async ValueTask FlushAsync()
    {
        try
        {
            await _connection.Output.FlushAsync(_drain);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            _closing = true;
        }
    }

    private async Task TryFinalReplyAsync(SmtpReply reply)
    {
        try
        {
            await _connection.Output.WriteAsync(reply.ToBytes(), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone; nothing more to say.
        }
        _closing = true;
    }
}
