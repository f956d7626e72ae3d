using System.Globalization;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Smtp.Protocol;

namespace Smtp.Server;

/// <summary>The mail transaction: MAIL, RCPT (each decided by the Router), DATA and BDAT streamed into the queue.</summary>
internal sealed partial class SmtpSession
{
    private MailCommand? _mail;
    private readonly List<EnvelopeRecipient> _recipients = [];
    private BodyTransfer? _bdat;

    private bool ClearTextAllowed => _connection.Tls is not null || Options.ClearTextLogin switch
    {
        "always" => true,
        "never" => false,
        _ => IsClientAddress,
    };

    /// <summary>
    /// This session as a source; Trusted or not is the kernel's classifier's answer (smtp.md §5.1: authenticated, a
    /// Client IP address unless "Relay … if received from" is <c>nobody</c>, everyone for <c>anybody</c>), from the
    /// current settings. The Router gives the relay verdict for this source.
    /// </summary>
    private RequestSource Source
    {
        get
        {
            var source = UnclassifiedSource;
            return source with { Class = _services.Classifier.Classify(source) };
        }
    }

    private RequestSource UnclassifiedSource => new()
    {
        ClientIp = ClientIp,
        Class = SourceClass.Untrusted,
        AuthenticatedAccount = _account,
        Tls = _connection.Tls is not null,
        TlsProtocol = _connection.Tls?.Protocol,
        TlsCipher = _connection.Tls?.CipherSuite,
        Protocol = ReceivedField.Protocol(_esmtp, _connection.Tls is not null, _account is not null, _mail?.SmtpUtf8 == true).ToLowerInvariant(),
        ListenerRole = _connection.Role,
        Helo = _helo,
    };

    private async Task MailAsync(string argument)
    {
        if (_helo is null || _mail is not null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        // RFC 6409 §4.3 / smtp.md §1: the submission port takes mail only from authenticated users.
        if (_kind == SmtpListenerKind.Submission && _account is null)
        {
            Error(SmtpReply.AuthRequired);
            return;
        }
        if (!PathCommandParser.TryParseMail(argument, out var mail, out var error))
        {
            Error(error!);
            return;
        }
        if (mail!.Size > Options.MaxMessageSize)
        {
            Error(new SmtpReply(552, "5.3.4", $"Message size exceeds fixed maximum message size ({Options.MaxMessageSize})"));
            return;
        }
        if (_kind == SmtpListenerKind.Submission && Options.SubmissionSenderMustMatchLogin && mail.ReversePath.Length > 0 && !await SenderIsLoginAsync(mail.ReversePath))
        {
            Error(new SmtpReply(553, "5.7.1", $"Sender <{mail.ReversePath}> is not owned by {_account}"));
            return;
        }
        // RFC 4954 §5 / smtp.md §2.2: AUTH= from a session that did not authenticate grants nothing: drop it.
        if (_account is null) mail = mail with { Auth = null };
        _mail = mail;
        Reply(new SmtpReply(250, "2.1.0", "Sender OK"));
    }

    private async Task<bool> SenderIsLoginAsync(string sender)
    {
        var decision = await _services.Router.RouteAsync(new RouteRequest(sender, RouteKind.Access, Source), _drain);
        return decision.Result is RouteResult.Local local && local.Account == _account;
    }

    private async Task RcptAsync(string argument)
    {
        if (_mail is null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        if (!PathCommandParser.TryParseRcpt(argument, _mail.SmtpUtf8, out var rcpt, out var error))
        {
            Error(error!);
            return;
        }
        if (_recipients.Count >= Options.MaxRecipients)
        {
            // RFC 5321 §4.5.3.1.10: a 4xx, so the client sends the rest in another transaction.
            Reply(new SmtpReply(452, "4.5.3", "Too many recipients"));
            return;
        }
        RouteDecision decision;
        try
        {
            decision = await _services.Router.RouteAsync(new RouteRequest(rcpt!.ForwardPath, RouteKind.Mail, Source), _drain);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _services.Logger.LogWarning(e, "smtp {ConnectionId}: routing {Address} failed", _connection.Id, rcpt!.ForwardPath);
            Reply(new SmtpReply(451, "4.3.0", "Temporary routing failure, try again later"));
            return;
        }
        var reply = RecipientReplies.For(decision);
        if (!reply.IsPositive)
        {
            _services.Logger.LogInformation("smtp {ConnectionId}: RCPT <{Address}> from {Client} ({Class}) refused: {Result} {Verdict}",
                _connection.Id, rcpt.ForwardPath, ClientIp, Source.Class, decision.Result.Display, decision.Relay);
            if (reply.Code >= 500) Error(reply);
            else Reply(reply);
            return;
        }
        _recipients.Add(new EnvelopeRecipient
        {
            Address = RecipientReplies.QueueAddress(rcpt.ForwardPath, decision.Result),
            Notify = rcpt.Notify,
            OriginalRecipient = rcpt.OriginalRecipient,
        });
        Reply(reply);
    }

    private async Task DataAsync(string argument)
    {
        if (argument.Length > 0)
        {
            Error(SmtpReply.SyntaxError);
            return;
        }
        if (_mail is null || _bdat is not null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        if (_recipients.Count == 0)
        {
            Error(new SmtpReply(554, "5.5.1", "No valid recipients"));
            return;
        }
        if (_mail.Body == MessageBodyType.BinaryMime)
        {
            // RFC 3030 §3: BINARYMIME content can only be sent with BDAT.
            Error(new SmtpReply(503, "5.5.1", "BODY=BINARYMIME requires BDAT"));
            return;
        }
        var begun = await BeginTransferAsync();
        if (begun is null) return;
        await using var transfer = begun;
        Reply(new SmtpReply(354, null, "Start mail input; end with <CRLF>.<CRLF>"));
        await FlushAsync();
        var decoder = new DataDecoder();
        var status = await DataReader.ReadDataAsync(_connection.Input, decoder, transfer.WriteAsync, Options.DataBlockTimeout, _drain);
        if (status == BodyReadStatus.Closed)
        {
            // Disconnected mid-DATA: the submission is disposed unused, nothing is queued (RFC 5321 §4.1.1.4).
            _closing = true;
            return;
        }
        if (decoder.BareLineEnding) transfer.Refuse(new SmtpReply(554, "5.5.2", "Bare CR or LF not allowed in message data"));
        else if (decoder.LineTooLong) transfer.Refuse(new SmtpReply(500, "5.5.2", "Message line longer than 1000 octets"));
        await FinishTransferAsync(transfer);
    }

    /// <summary>RFC 3030 §2: <c>BDAT size [LAST]</c>; the chunk's octets follow the command at once, so they are read even when the command is refused.</summary>
    private async Task BdatAsync(string argument)
    {
        var words = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > 2 || !long.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (words.Length == 2 && !words[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // Without a size the chunk cannot be framed: the rest of the input is noise (RFC 3030 §2), close.
            Error(new SmtpReply(501, "5.5.4", "Syntax: BDAT <size> [LAST]"));
            _closing = true;
            return;
        }
        var last = words.Length == 2;
        SmtpReply? refusal = null;
        if (_mail is null) refusal = SmtpReply.BadSequence;
        else if (_recipients.Count == 0) refusal = new SmtpReply(554, "5.5.1", "No valid recipients");
        if (refusal is not null)
        {
            await DataReader.ReadChunkAsync(_connection.Input, size, _ => ValueTask.CompletedTask, Options.DataBlockTimeout, _drain);
            await AbortTransactionAsync();
            Error(refusal);
            return;
        }
        _bdat ??= await BeginTransferAsync();
        if (_bdat is null)
        {
            await DataReader.ReadChunkAsync(_connection.Input, size, _ => ValueTask.CompletedTask, Options.DataBlockTimeout, _drain);
            return;
        }
        var status = await DataReader.ReadChunkAsync(_connection.Input, size, _bdat.WriteChunkAsync, Options.DataBlockTimeout, _drain);
        if (status == BodyReadStatus.Closed)
        {
            _closing = true;
            await AbortTransactionAsync();
            return;
        }
        if (!last)
        {
            Reply(new SmtpReply(250, "2.0.0", $"{size} octets received"));
            return;
        }
        var transfer = _bdat;
        _bdat = null;
        await using (transfer)
        {
            transfer.FinishChunks();
            await FinishTransferAsync(transfer);
        }
    }

    /// <summary>Opens the queue's streamed submission and writes our <c>Received:</c> field first (RFC 5321 §4.4).</summary>
    private async Task<BodyTransfer?> BeginTransferAsync()
    {
        var mail = _mail!;
        var source = Source;
        var envelope = new Envelope
        {
            Sender = mail.ReversePath,
            Recipients = [.. _recipients],
            Source = source,
            EnvelopeId = mail.EnvelopeId,
            Return = mail.Return,
            BodyType = mail.Body,
            SmtpUtf8 = mail.SmtpUtf8,
            DeclaredSize = mail.Size,
            AuthSender = _account is not null ? mail.Auth : null,
        };
        var id = $"{_connection.Id}.{++_transactions}";
        var received = ReceivedField.Build(_helo ?? "unknown", ClientIp, ServerName,
            ReceivedField.Protocol(_esmtp, _connection.Tls is not null, _account is not null, mail.SmtpUtf8), _connection.Tls, id,
            _recipients.Count == 1 ? _recipients[0].Address : null, DateTimeOffset.Now);
        IMessageSubmission submission;
        try
        {
            submission = await _services.Queue.BeginSubmitAsync(envelope, _drain);
        }
        catch (ArgumentException e)
        {
            // The queue's envelope check (an address it cannot store): refuse the transaction, nothing was written.
            _services.Logger.LogWarning("smtp {ConnectionId}: envelope refused by the queue: {Reason}", _connection.Id, e.Message);
            await AbortTransactionAsync();
            Error(new SmtpReply(554, "5.5.0", "Transaction failed: envelope not accepted"));
            return null;
        }
        var transfer = new BodyTransfer(submission, Options.MaxMessageSize, mail.Body == MessageBodyType.BinaryMime);
        await transfer.WriteTraceAsync(received);
        return transfer;
    }

    /// <summary>Answers the end of a body: a refusal found while reading, else the queue's verdict — 250 only once it is durable.</summary>
    private async Task FinishTransferAsync(BodyTransfer transfer)
    {
        var refusal = transfer.Refusal;
        if (refusal is null && transfer.TraceFields > Options.MaxReceived)
            refusal = new SmtpReply(554, "5.4.6", $"Too many Received headers ({transfer.TraceFields}): mail loop");
        var recipients = _recipients.Count;
        _mail = null;
        _recipients.Clear();
        if (refusal is not null)
        {
            // Nothing is committed: disposing the submission removes what was written.
            Error(refusal);
            return;
        }
        var result = await transfer.CommitAsync(_drain);
        if (result.Accepted)
        {
            _services.Logger.LogInformation("smtp {ConnectionId}: queued {QueueId} from {Client}, {Recipients} recipients", _connection.Id, result.QueueId, ClientIp, recipients);
            Reply(new SmtpReply(250, "2.0.0", $"OK queued as {result.QueueId}"));
            return;
        }
        var code = result.Code switch
        {
            "5.3.4" => 552,
            "4.3.1" => 452,
            "4.3.2" => 421,
            _ => result.Code.StartsWith('4') ? 451 : 554,
        };
        Reply(new SmtpReply(code, result.Code, result.Text.Length > 0 ? result.Text : "Message not accepted"));
        if (code == 421) _closing = true;
    }

    private async Task AbortTransactionAsync()
    {
        _mail = null;
        _recipients.Clear();
        if (_bdat is { } transfer)
        {
            _bdat = null;
            await transfer.DisposeAsync();
        }
    }
}
