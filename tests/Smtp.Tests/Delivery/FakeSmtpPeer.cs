using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;

namespace Smtp.Tests.Delivery;

/// <summary>
/// A scripted SMTP server for the client tests: answers each command line from <see cref="Answer"/> (defaults: an
/// ESMTP server with PIPELINING, SIZE, 8BITMIME, DSN, SMTPUTF8 that accepts everything), collects DATA as it arrived
/// on the wire (still dot-stuffed) and records every command. Runs over any pipe pair: in memory or a TCP connection.
/// </summary>
public sealed class FakeSmtpPeer
{
    public string Greeting { get; set; } = "220 peer.test ESMTP";

    public List<string> Ehlo { get; set; } = ["peer.test", "PIPELINING", "SIZE 1000000", "8BITMIME", "DSN", "SMTPUTF8", "ENHANCEDSTATUSCODES"];

    /// <summary>Replies per RCPT address (without brackets); others get 250.</summary>
    public Dictionary<string, string> RcptReplies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string MailReply { get; set; } = "250 2.1.0 sender ok";

    public string DataReply { get; set; } = "354 go ahead";

    public string FinalReply { get; set; } = "250 2.0.0 queued";

    /// <summary>When set, the peer stops answering (never closes) after this many commands: a timeout test.</summary>
    public int? SilentAfter { get; set; }

    /// <summary>When set, the peer closes the connection on reading this command.</summary>
    public string? CloseOn { get; set; }

    /// <summary>
    /// Awaited after a message's final "." is received and before its final reply: a test holds replies here to see how
    /// many transactions are in flight at once, or to act between the message's arrival and our 250.
    /// </summary>
    public Func<Task>? BeforeFinalReply { get; set; }

    public List<string> Commands { get; } = [];

    /// <summary>How many sessions completed a STARTTLS handshake.</summary>
    public int TlsSessions;

    /// <summary>Each DATA text as received (dot-stuffed, with the final ".").</summary>
    public List<byte[]> Messages { get; } = [];

    public int Connections;

    /// <summary>
    /// Serves one connection. <paramref name="startTls"/>, from a transport that can do TLS, runs the server side of the
    /// handshake after our 220 to STARTTLS and returns the new pipes (offer it by listing STARTTLS in <see cref="Ehlo"/>).
    /// </summary>
    public async Task ServeAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken, Func<Task<(PipeReader, PipeWriter)>>? startTls = null)
    {
        Interlocked.Increment(ref Connections);
        await WriteAsync(output, Greeting);
        if (!Greeting.StartsWith("220", StringComparison.Ordinal)) { /* the client should QUIT */ }
        MemoryStream? data = null;
        var count = 0;
        while (true)
        {
            var read = await input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var swapped = false;
            while (buffer.PositionOf((byte)'\n') is { } lf)
            {
                var lineBytes = buffer.Slice(0, buffer.GetPosition(1, lf)).ToArray();
                buffer = buffer.Slice(buffer.GetPosition(1, lf));
                if (data is not null)
                {
                    data.Write(lineBytes);
                    if (lineBytes is [(byte)'.', (byte)'\r', (byte)'\n'])
                    {
                        lock (Messages) Messages.Add(data.ToArray());
                        data = null;
                        if (BeforeFinalReply is { } hold) await hold();
                        await WriteAsync(output, FinalReply);
                    }
                    continue;
                }
                var line = Encoding.UTF8.GetString(lineBytes).TrimEnd('\r', '\n');
                lock (Commands) Commands.Add(line);
                count++;
                if (CloseOn is not null && line.StartsWith(CloseOn, StringComparison.OrdinalIgnoreCase))
                {
                    input.AdvanceTo(buffer.Start);
                    await output.CompleteAsync();
                    return;
                }
                if (SilentAfter is { } silent && count > silent) continue;
                if (line.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase) && startTls is not null)
                {
                    // RFC 3207 §4.2: 220, the handshake, then a fresh session on the new pipes.
                    await WriteAsync(output, "220 2.0.0 ready for TLS");
                    input.AdvanceTo(buffer.Start);
                    (input, output) = await startTls();
                    Interlocked.Increment(ref TlsSessions);
                    swapped = true;
                    break;
                }
                var reply = Answer(line);
                await WriteAsync(output, reply);
                if (reply.StartsWith("354", StringComparison.Ordinal)) data = new MemoryStream();
                if (line.Equals("QUIT", StringComparison.OrdinalIgnoreCase))
                {
                    input.AdvanceTo(buffer.Start);
                    await output.CompleteAsync();
                    return;
                }
            }
            if (swapped) continue;
            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted) return;
        }
    }

    private int _accepted;

    private string Answer(string line)
    {
        var verb = line.Split(' ', 2)[0].ToUpperInvariant();
        if (line.StartsWith("MAIL FROM:", StringComparison.OrdinalIgnoreCase)) return MailReply;
        if (line.StartsWith("RCPT TO:", StringComparison.OrdinalIgnoreCase))
        {
            var start = line.IndexOf('<') + 1;
            var address = line[start..line.IndexOf('>', start)];
            var rcpt = RcptReplies.TryGetValue(address, out var r) ? r : "250 2.1.5 ok";
            if (rcpt.StartsWith('2')) _accepted++;
            return rcpt;
        }
        if (verb is "RSET" or "MAIL") _accepted = 0;
        // RFC 2920 §3.1: DATA after no accepted recipient is refused.
        if (verb == "DATA" && _accepted == 0) return "554 5.5.1 no valid recipients";
        if (verb == "DATA") _accepted = 0;
        return verb switch
        {
            "EHLO" => Ehlo.Count == 0 ? "502 5.5.1 no EHLO here" : string.Join("\r\n", Ehlo.Select((l, i) => $"250{(i == Ehlo.Count - 1 ? ' ' : '-')}{l}")),
            "HELO" => "250 peer.test",
            "DATA" => DataReply,
            "RSET" => "250 2.0.0 ok",
            "NOOP" => "250 2.0.0 ok",
            "QUIT" => "221 2.0.0 bye",
            _ => "502 5.5.1 unknown command",
        };
    }

    private static async Task WriteAsync(PipeWriter output, string reply)
    {
        await output.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"));
    }

    /// <summary>The DATA text with the SMTP transparency removed (RFC 5321 §4.5.2), without the final ".".</summary>
    public static string Unstuffed(byte[] wire)
    {
        var text = Encoding.UTF8.GetString(wire);
        var lines = text.Split("\r\n");
        var body = new StringBuilder();
        foreach (var l in lines.Take(lines.Length - 2)) body.Append(l.StartsWith('.') ? l[1..] : l).Append("\r\n");
        return body.ToString();
    }
}
