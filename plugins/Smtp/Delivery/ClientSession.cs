using System.Text;
using Kernel.Abstractions;

namespace Smtp.Delivery;

/// <summary>
/// The client side of one SMTP connection (RFC 5321 §3–4): greeting, EHLO (HELO fallback), opportunistic STARTTLS,
/// then any number of mail transactions, RSET between them, QUIT. Works over any <see cref="ISmtpChannel"/>, so the
/// same code delivers to a remote MTA and down a connection turned round by ATRN. Not thread-safe: one user at a time.
/// </summary>
internal sealed class ClientSession(ISmtpChannel channel, DeliverySettings settings, string remoteHost) : IAsyncDisposable
{
    /// <summary>Commands written before their replies are read, when pipelining.</summary>
    internal const int PipelineGroup = 100;

    public ServerCapabilities Capabilities { get; private set; } = ServerCapabilities.None;

    /// <summary>The Remote-MTA name for DSNs.</summary>
    public string RemoteHost { get; } = remoteHost;

    public ISmtpChannel Channel => channel;

    /// <summary>Mail transactions started on this connection; from the second on, RSET comes first (RFC 5321 §4.1.1.5).</summary>
    public int Transactions { get; private set; }

    /// <summary>False once the connection broke or timed out: it must not be used again (the pool drops it).</summary>
    public bool Usable { get; private set; } = true;

    /// <summary>RFC 5321 §3.1: the server's greeting; a 220 lets the session go on.</summary>
    public Task<SmtpReply> ReadGreetingAsync(TimeSpan timeout, CancellationToken cancellationToken) => ReadAsync(timeout, cancellationToken);

    /// <summary>EHLO, or HELO when EHLO is refused (RFC 5321 §4.1.4, §3.2). The reply; <see cref="Capabilities"/> are set on success.</summary>
    public async Task<SmtpReply> HelloAsync(CancellationToken cancellationToken)
    {
        var ehlo = await CommandAsync($"EHLO {settings.HeloName}\r\n", settings.CommandTimeout, cancellationToken);
        if (ehlo.IsPositive)
        {
            Capabilities = ServerCapabilities.FromEhlo(ehlo);
            return ehlo;
        }
        if (ehlo.IsTransient) return ehlo;
        var helo = await CommandAsync($"HELO {settings.HeloName}\r\n", settings.CommandTimeout, cancellationToken);
        Capabilities = ServerCapabilities.None;
        return helo;
    }

    /// <summary>
    /// RFC 3207: STARTTLS, the handshake, and EHLO again (§4.2: everything learned before is forgotten). True when TLS is
    /// on; false when the server refused STARTTLS (the session goes on in plaintext). A failed handshake throws — the
    /// connection is unusable and the caller retries the host once without TLS (smtp.md §11.4).
    /// </summary>
    public async Task<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("STARTTLS\r\n", settings.CommandTimeout, cancellationToken);
        if (reply.Code != 220) return false;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(settings.CommandTimeout);
            await channel.StartTlsAsync(RemoteHost, deadline.Token);
        }
        catch
        {
            Usable = false;
            throw;
        }
        var hello = await HelloAsync(cancellationToken);
        if (!hello.IsPositive) throw new SmtpProtocolException($"EHLO after STARTTLS refused: {hello.Text}");
        return true;
    }

    /// <summary>QUIT and wait (bounded) for the 221; errors do not matter any more.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        if (!Usable) return;
        try
        {
            await CommandAsync("QUIT\r\n", settings.CommandTimeout < TimeSpan.FromSeconds(10) ? settings.CommandTimeout : TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (IOException)
        {
            // Closing anyway.
        }
        Usable = false;
    }

    /// <summary>
    /// One mail transaction (RFC 5321 §3.3): MAIL, a RCPT per recipient, DATA with the dot-stuffed body — pipelined as
    /// one batch when the peer offers PIPELINING (RFC 2920 §3.1: DATA ends the batch). Returns one outcome per
    /// recipient; a broken connection or timeout makes the recipients still open temporary failures (4.4.2).
    /// </summary>
    public async Task<IReadOnlyList<RecipientOutcome>> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var recipients = message.Recipients;
        var caps = Capabilities;
        if (Refusal(message, caps) is { } refusal)
            return recipients.Select(r => Outcome(r.Address, refusal)).ToList();

        var outcomes = new RecipientOutcome?[recipients.Count];
        // A connection that carried a transaction gets RSET first (RFC 5321 §4.1.1.5) — in the same pipelined group as
        // MAIL when the peer pipelines, so reuse costs no extra round trip. A refused or unanswered RSET means the
        // connection is no good (the transport then retries on a fresh one).
        var reset = Transactions > 0;
        Transactions++;
        try
        {
            if (reset && !caps.Pipelining)
            {
                var rset = await CommandAsync("RSET\r\n", settings.CommandTimeout, cancellationToken);
                if (rset.Code != 250) throw new SmtpProtocolException($"RSET refused: {rset.Text}");
            }
            var needsUtf8 = NeedsSmtpUtf8(message);
            var mail = EsmtpParameters.MailFrom(message.Envelope, message.Body.Length, caps, message.Envelope.RequireTls, needsUtf8);
            var accepted = new List<int>(recipients.Count);
            SmtpReply data;
            if (caps.Pipelining)
            {
                // Commands go out in groups, each group's replies read before the next is written: a long recipient
                // list never fills both sides' socket buffers at once (RFC 2920 §3.1 warns of that deadlock).
                var commands = new List<string>(recipients.Count + 3);
                if (reset) commands.Add("RSET\r\n");
                var first = commands.Count;
                commands.Add(mail);
                foreach (var r in recipients) commands.Add(EsmtpParameters.RcptTo(r, caps));
                commands.Add("DATA\r\n");
                SmtpReply? mailReply = null;
                data = null!;
                for (var start = 0; start < commands.Count; start += PipelineGroup)
                {
                    var end = Math.Min(start + PipelineGroup, commands.Count);
                    await WriteAsync(string.Concat(commands.GetRange(start, end - start)), cancellationToken);
                    for (var c = start; c < end; c++)
                    {
                        if (c == commands.Count - 1)
                        {
                            data = await ReadAsync(settings.DataInitiationTimeout, cancellationToken);
                            continue;
                        }
                        var reply = await ReadAsync(settings.CommandTimeout, cancellationToken);
                        if (c < first)
                        {
                            if (reply.Code != 250) throw new SmtpProtocolException($"RSET refused: {reply.Text}");
                            continue;
                        }
                        if (c == first)
                        {
                            mailReply = reply;
                            continue;
                        }
                        var i = c - first - 1;
                        // A refused MAIL decides for every recipient, whatever the server said to the RCPTs after it.
                        if (!mailReply!.IsPositive) outcomes[i] = Outcome(recipients[i].Address, mailReply);
                        else if (reply.IsPositive) accepted.Add(i);
                        else outcomes[i] = Outcome(recipients[i].Address, reply);
                    }
                }
                if (data.Code == 354 && accepted.Count == 0)
                {
                    // RFC 2920 §3.1: a server that says 354 with no recipient gets an empty message, which it must refuse.
                    await WriteAsync(".\r\n", cancellationToken);
                    await ReadAsync(settings.DataTerminationTimeout, cancellationToken);
                    return Fill(outcomes, recipients, data);
                }
            }
            else
            {
                var mailReply = await CommandAsync(mail, settings.CommandTimeout, cancellationToken);
                if (!mailReply.IsPositive) return recipients.Select(r => Outcome(r.Address, mailReply)).ToList();
                for (var i = 0; i < recipients.Count; i++)
                {
                    var rcpt = await CommandAsync(EsmtpParameters.RcptTo(recipients[i], caps), settings.CommandTimeout, cancellationToken);
                    if (rcpt.IsPositive) accepted.Add(i);
                    else outcomes[i] = Outcome(recipients[i].Address, rcpt);
                }
                if (accepted.Count == 0) return Fill(outcomes, recipients, null);
                data = await CommandAsync("DATA\r\n", settings.DataInitiationTimeout, cancellationToken);
            }
            if (accepted.Count == 0) return Fill(outcomes, recipients, null);
            if (data.Code != 354)
            {
                // A 4xx/5xx to DATA applies to every recipient accepted in this transaction (smtp.md §11.4).
                foreach (var i in accepted) outcomes[i] = Outcome(recipients[i].Address, data);
                return Fill(outcomes, recipients, data);
            }
            await using (var body = message.Body.OpenRead())
            {
                await DotStuffedBody.WriteAsync(body, channel.Output, settings.DataBlockTimeout, cancellationToken);
            }
            var final = await ReadAsync(settings.DataTerminationTimeout, cancellationToken);
            foreach (var i in accepted) outcomes[i] = Outcome(recipients[i].Address, final);
            return Fill(outcomes, recipients, final);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-transaction: the server's state is unknown, so the connection is never reused.
            Usable = false;
            throw;
        }
        catch (IOException e)
        {
            Usable = false;
            var lost = SmtpReply.Local(451, "4.4.2", $"connection with {RemoteHost} broken: {e.Message}");
            return Fill(outcomes, recipients, lost);
        }
    }

    /// <summary>Reasons to fail before sending anything: the peer lacks what the message needs.</summary>
    private SmtpReply? Refusal(OutboundMessage message, ServerCapabilities caps)
    {
        var envelope = message.Envelope;
        // RFC 6531 §3.4: a message that needs SMTPUTF8 must not go to a server without it; 5.6.7 (RFC 6533 §3).
        if (NeedsSmtpUtf8(message) && !caps.SmtpUtf8)
            return SmtpReply.Local(553, "5.6.7", $"{RemoteHost} does not support SMTPUTF8, which this message needs");
        // RFC 6152 §3: an 8-bit message to a server without 8BITMIME must be converted or returned. We do not rewrite
        // messages (it would break signatures), so it is returned: 5.6.3, conversion required but not supported.
        if (envelope.BodyType == MessageBodyType.EightBitMime && !caps.EightBitMime)
            return SmtpReply.Local(554, "5.6.3", $"{RemoteHost} does not support 8BITMIME, which this message needs");
        if (envelope.BodyType == MessageBodyType.BinaryMime)
            return SmtpReply.Local(554, "5.6.3", "a BINARYMIME message cannot be relayed (BDAT is not used on delivery)");
        // RFC 1870 §6: larger than the peer's limit is a permanent failure.
        if (caps.Size is > 0 and var limit && message.Body.Length > limit)
            return SmtpReply.Local(552, "5.3.4", $"message of {message.Body.Length} octets exceeds {RemoteHost}'s limit of {limit}");
        // RFC 8689 §4.2: REQUIRETLS mail only over validated TLS to a server offering REQUIRETLS.
        if (envelope.RequireTls && !(channel.IsTlsValidated && caps.RequireTls))
            return SmtpReply.Local(550, "5.7.30", $"REQUIRETLS: no validated TLS with REQUIRETLS support at {RemoteHost}");
        return null;
    }

    private static bool NeedsSmtpUtf8(OutboundMessage message) =>
        message.Envelope.SmtpUtf8 || !Ascii.IsValid(message.Envelope.Sender) || message.Recipients.Any(r => !Ascii.IsValid(r.Address));

    /// <summary>Every recipient still without an outcome gets <paramref name="reply"/> (or, with none, the cause is already recorded).</summary>
    private IReadOnlyList<RecipientOutcome> Fill(RecipientOutcome?[] outcomes, IReadOnlyList<EnvelopeRecipient> recipients, SmtpReply? reply)
    {
        var result = new List<RecipientOutcome>(recipients.Count);
        for (var i = 0; i < recipients.Count; i++)
        {
            result.Add(outcomes[i] ?? Outcome(recipients[i].Address, reply ?? SmtpReply.Local(451, "4.4.2", "no reply for this recipient")));
        }
        return result;
    }

    private RecipientOutcome Outcome(string recipient, SmtpReply reply)
    {
        var outcome = reply.IsPositive ? DeliveryOutcome.Delivered : reply.IsTransient ? DeliveryOutcome.TemporaryFailure : DeliveryOutcome.PermanentFailure;
        // A 354 or other odd positive code to the final dot counts as delivered only when it is 2xx.
        if (reply.Code is >= 300 and < 400) outcome = DeliveryOutcome.TemporaryFailure;
        var status = reply.Code is >= 300 and < 400 ? "4.4.2" : reply.Status();
        return new RecipientOutcome(recipient, outcome, status, reply.Text, RemoteHost);
    }

    private async Task<SmtpReply> CommandAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await WriteAsync(command, cancellationToken);
        return await ReadAsync(timeout, cancellationToken);
    }

    private async Task WriteAsync(string text, CancellationToken cancellationToken)
    {
        var output = channel.Output;
        var bytes = Encoding.UTF8.GetBytes(text);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.CommandTimeout);
        try
        {
            var result = await output.WriteAsync(bytes, deadline.Token);
            if (result.IsCompleted) throw new SmtpProtocolException("the server stopped reading");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Usable = false;
            throw new SmtpTimeoutException($"could not send to {RemoteHost} for {settings.CommandTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException)
        {
            Usable = false;
            throw;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Usable = false;
            throw new SmtpProtocolException(e.Message, e);
        }
    }

    private async Task<SmtpReply> ReadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var reply = await SmtpReplyReader.ReadAsync(channel.Input, deadline.Token);
            // RFC 5321 §3.8: 421 says the server is closing the connection; the answer stands, the connection is done.
            if (reply.Code == 421) Usable = false;
            return reply;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Usable = false;
            throw new SmtpTimeoutException($"no reply from {RemoteHost} within {timeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException)
        {
            Usable = false; // stopped mid-command: the server's state is unknown
            throw;
        }
        catch (IOException)
        {
            Usable = false;
            throw;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Usable = false;
            throw new SmtpProtocolException(e.Message, e);
        }
    }

    public ValueTask DisposeAsync()
    {
        Usable = false;
        return channel.DisposeAsync();
    }
}
