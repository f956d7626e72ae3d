using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;

namespace Kernel.Messages;

/// <summary>
/// <see cref="IMessageFactory"/> with MimeKit: RFC 3464 delivery status notifications and RFC 3834 auto-replies, so no
/// plugin writes MIME by hand. Both go out from the null reverse-path (RFC 3461 §6.2, RFC 3834 §3.3) and carry
/// <c>Auto-Submitted: auto-replied</c>. The host name (<c>Kernel:HostName</c>, default the machine name) names the
/// postmaster and the Message-IDs. An original larger than <c>Kernel:DsnReturnLimitBytes</c> (default 1 MiB) is
/// returned as headers only, whatever RET asked.
/// </summary>
public sealed class MimeMessageFactory : IMessageFactory
{
    private const long DefaultReturnLimit = 1024 * 1024;
    private const int MaxHeaderBytes = 256 * 1024;

    private static readonly FormatOptions Format = CreateFormat();

    private readonly string _hostName;
    private readonly long _returnLimit;

    public MimeMessageFactory(IConfiguration configuration)
    {
        var host = configuration["Kernel:HostName"];
        _hostName = (string.IsNullOrWhiteSpace(host) ? Environment.MachineName : host.Trim()).ToLowerInvariant();
        var limit = configuration["Kernel:DsnReturnLimitBytes"];
        if (string.IsNullOrWhiteSpace(limit))
            _returnLimit = DefaultReturnLimit;
        else if (!long.TryParse(limit, out _returnLimit) || _returnLimit < 0)
            throw new InvalidOperationException($"configuration Kernel:DsnReturnLimitBytes: '{limit}' must be a byte count");
    }

    public GeneratedMessage BuildDeliveryStatusNotification(DsnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // RFC 3461 §6.2 / smtp.md §13: never a report to the null reverse-path (no bounce of a bounce).
        if (string.IsNullOrEmpty(request.Original.Sender))
            throw new ArgumentException("a DSN cannot be sent to the null reverse-path", nameof(request));
        if (request.Recipients.Count == 0)
            throw new ArgumentException("a DSN needs at least one recipient status", nameof(request));

        var originalHeaders = ReadHeaderBlock(request.OriginalBody);
        var headers = ParseHeaders(originalHeaders);
        var returnFull = ReturnsFullMessage(request) && request.OriginalBody.Length <= _returnLimit;

        var message = NewMessage(new MailboxAddress("Mail Delivery System", $"postmaster@{_hostName}"), Address(request.Original.Sender), SubjectFor(request.Recipients));
        var originalId = headers?[HeaderId.MessageId];
        if (!string.IsNullOrWhiteSpace(originalId)) message.Headers.Add(HeaderId.References, originalId.Trim());

        var report = new MultipartReport("delivery-status")
        {
            new TextPart(TextFormat.Plain) { Text = HumanReadable(request, returnFull) },
            DeliveryStatus(request),
            returnFull ? OriginalMessage(request.OriginalBody) : OriginalHeaders(originalHeaders),
        };
        message.Body = report;
        return new GeneratedMessage("", [request.Original.Sender], Serialize(message));
    }

    public GeneratedMessage BuildReply(ReplyRequest request, IReadOnlyList<KeyValuePair<string, string>> originalHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(originalHeaders);
        if (string.IsNullOrWhiteSpace(request.To)) throw new ArgumentException("a reply needs a recipient", nameof(request));

        var from = Address(request.From);
        var to = Address(request.To);
        var subject = request.Subject.Trim();
        if (!subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase)) subject = "Re: " + subject;
        var message = NewMessage(from, to, subject);

        // RFC 5322 §3.6.4: In-Reply-To is the parent's Message-ID; References the parent's References (or, failing
        // that, its In-Reply-To) followed by the parent's Message-ID.
        var parentId = Header(originalHeaders, "Message-ID");
        if (parentId is not null)
        {
            var ids = MessageIdList(Header(originalHeaders, "References") ?? Header(originalHeaders, "In-Reply-To"));
            ids.AddRange(MessageIdList(parentId));
            var first = MessageIdList(parentId).FirstOrDefault();
            if (first is not null) message.Headers.Add(HeaderId.InReplyTo, $"<{first}>");
            if (ids.Count > 0) message.Headers.Add(HeaderId.References, string.Join(" ", ids.Distinct().Select(id => $"<{id}>")));
        }

        var recipients = new List<string> { to.Address };
        if (request.ReplyAll)
        {
            // rules.md §6: the Reply-To/From target plus every To and Cc except the account itself.
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { to.Address, from.Address };
            foreach (var field in new[] { "To", "Cc" })
            {
                foreach (var value in Headers(originalHeaders, field))
                {
                    if (!InternetAddressList.TryParse(value, out var list)) continue;
                    foreach (var mailbox in list.Mailboxes)
                    {
                        if (!seen.Add(mailbox.Address)) continue;
                        message.Cc.Add(new MailboxAddress(mailbox.Name, mailbox.Address));
                        recipients.Add(mailbox.Address);
                    }
                }
            }
        }

        message.Body = new TextPart(TextFormat.Plain) { Text = NormalizeNewLines(request.Text) };
        return new GeneratedMessage("", recipients, Serialize(message));
    }

    private MimeMessage NewMessage(MailboxAddress from, MailboxAddress to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(to);
        message.Subject = subject;
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = MimeUtils.GenerateMessageId(_hostName);
        // RFC 3834 §5: a response generated automatically to another message.
        message.Headers.Add("Auto-Submitted", "auto-replied");
        return message;
    }

    // RFC 3461 §4.3: RET=FULL or HDRS as asked; without RET, failures carry the message and other reports only its
    // headers (the content was, or may yet be, delivered).
    private static bool ReturnsFullMessage(DsnRequest request) => request.Original.Return switch
    {
        DsnReturn.Full => true,
        DsnReturn.Headers => false,
        _ => request.Recipients.Any(r => r.Action == DsnAction.Failed),
    };

    private static string SubjectFor(IReadOnlyList<DsnRecipientStatus> recipients)
    {
        var actions = recipients.Select(r => r.Action).Distinct().ToList();
        if (actions.Count != 1) return "Delivery Status Notification";
        return actions[0] switch
        {
            DsnAction.Failed => "Delivery Status Notification (Failure)",
            DsnAction.Delayed => "Delivery Status Notification (Delay)",
            _ => "Delivery Status Notification (Success)",
        };
    }

    private string HumanReadable(DsnRequest request, bool returnFull)
    {
        var text = new StringBuilder();
        text.Append("This is the mail system at host ").Append(_hostName).Append(".\r\n\r\n");
        foreach (var group in request.Recipients.GroupBy(r => r.Action))
        {
            text.Append(group.Key switch
            {
                DsnAction.Failed => "Your message could not be delivered to the following recipients:",
                DsnAction.Delayed => "Delivery to the following recipients has been delayed; the server keeps trying:",
                DsnAction.Delivered => "Your message was delivered to the following recipients:",
                DsnAction.Relayed => "Your message was relayed to the following recipients, whose servers may not report further:",
                _ => "Your message was expanded to the following recipients:",
            }).Append("\r\n\r\n");
            foreach (var recipient in group)
            {
                text.Append("  <").Append(OneLine(recipient.Recipient)).Append(">: ").Append(recipient.Status);
                if (recipient.RemoteMta is not null) text.Append(", host ").Append(OneLine(recipient.RemoteMta));
                if (recipient.DiagnosticCode is not null) text.Append(" said: ").Append(OneLine(recipient.DiagnosticCode));
                text.Append("\r\n");
            }
            text.Append("\r\n");
        }
        text.Append(returnFull ? "The original message is attached.\r\n" : "The headers of the original message are attached.\r\n");
        return text.ToString();
    }

    // RFC 3464 §2.2 per-message fields, then one group per recipient (§2.3), each a block of header-style fields.
    private static MessageDeliveryStatus DeliveryStatus(DsnRequest request)
    {
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList();
        if (!string.IsNullOrEmpty(request.Original.EnvelopeId)) perMessage.Add("Original-Envelope-Id", OneLine(request.Original.EnvelopeId));
        perMessage.Add("Reporting-MTA", "dns; " + OneLine(request.ReportingMta));
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(request.ArrivalDate));
        status.StatusGroups.Add(perMessage);

        foreach (var recipient in request.Recipients)
        {
            var fields = new HeaderList();
            if (!string.IsNullOrEmpty(recipient.OriginalRecipient)) fields.Add("Original-Recipient", Typed(recipient.OriginalRecipient, "rfc822", decodeXtext: true));
            fields.Add("Final-Recipient", "rfc822; " + OneLine(recipient.Recipient));
            fields.Add("Action", recipient.Action.ToString().ToLowerInvariant());
            fields.Add("Status", OneLine(recipient.Status));
            if (!string.IsNullOrEmpty(recipient.RemoteMta)) fields.Add("Remote-MTA", Typed(recipient.RemoteMta, "dns", decodeXtext: false));
            if (!string.IsNullOrEmpty(recipient.DiagnosticCode)) fields.Add("Diagnostic-Code", Typed(recipient.DiagnosticCode, "smtp", decodeXtext: false));
            status.StatusGroups.Add(fields);
        }
        return status;
    }

    private static MimeEntity OriginalMessage(MessageBody body)
    {
        // The original travels byte for byte (a MIME part of type message/rfc822, not a re-serialised copy).
        using var stream = body.OpenRead();
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = WithCrLf(copy.ToArray());
        return new MimePart("message", "rfc822")
        {
            Content = new MimeContent(new MemoryStream(bytes, writable: false)),
            ContentTransferEncoding = HasEightBit(bytes) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    private static MimeEntity OriginalHeaders(byte[] headerBlock)
    {
        var bytes = WithCrLf(headerBlock);
        return new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(bytes, writable: false)),
            ContentTransferEncoding = HasEightBit(bytes) ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    /// <summary>Bare LF or CR become CRLF, so a stored original with stray line ends still yields an RFC 5322 report.</summary>
    private static byte[] WithCrLf(byte[] bytes)
    {
        var bare = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if ((bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) || (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n'))) bare++;
        }
        if (bare == 0) return bytes;
        var result = new byte[bytes.Length + bare];
        var j = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b == '\n' && (i == 0 || bytes[i - 1] != '\r')) { result[j++] = (byte)'\r'; result[j++] = (byte)'\n'; }
            else if (b == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n')) { result[j++] = (byte)'\r'; result[j++] = (byte)'\n'; }
            else result[j++] = b;
        }
        return result;
    }

    /// <summary>The original's header block (up to and including the empty line), bounded.</summary>
    private static byte[] ReadHeaderBlock(MessageBody body)
    {
        using var stream = body.OpenRead();
        var buffer = new MemoryStream();
        int previous = -1, beforePrevious = -1, b;
        while (buffer.Length < MaxHeaderBytes && (b = stream.ReadByte()) >= 0)
        {
            buffer.WriteByte((byte)b);
            // LF LF or LF CR LF ends the header section.
            if (b == '\n' && (previous == '\n' || (previous == '\r' && beforePrevious == '\n'))) break;
            beforePrevious = previous;
            previous = b;
        }
        return buffer.ToArray();
    }

    private static HeaderList? ParseHeaders(byte[] headerBlock)
    {
        try
        {
            using var stream = new MemoryStream(headerBlock, writable: false);
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A typed field value (<c>type; value</c>); a value without a type gets <paramref name="defaultType"/>.</summary>
    private static string Typed(string value, string defaultType, bool decodeXtext)
    {
        value = OneLine(value);
        var semicolon = value.IndexOf(';');
        if (semicolon > 0 && value[..semicolon].All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            var rest = value[(semicolon + 1)..].Trim();
            // RFC 3461 §4.2: ORCPT travels as xtext; the report shows it decoded.
            return value[..semicolon] + "; " + (decodeXtext ? DecodeXtext(rest) : rest);
        }
        return defaultType + "; " + value;
    }

    private static string DecodeXtext(string text)
    {
        if (!text.Contains('+')) return text;
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '+' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                result.Append((char)Convert.ToInt32(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }

    // A remote reply can span lines; a field value cannot carry bare line breaks.
    private static string OneLine(string value) =>
        string.Join(' ', value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static MailboxAddress Address(string text)
    {
        if (MailboxAddress.TryParse(text, out var parsed)) return parsed;
        return new MailboxAddress("", text.Trim().Trim('<', '>'));
    }

    private static string? Header(IReadOnlyList<KeyValuePair<string, string>> headers, string name) =>
        Headers(headers, name).FirstOrDefault();

    private static IEnumerable<string> Headers(IReadOnlyList<KeyValuePair<string, string>> headers, string name) =>
        headers.Where(h => string.Equals(h.Key.Trim(), name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    private static List<string> MessageIdList(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return [];
        var ids = MimeUtils.EnumerateReferences(value).ToList();
        if (ids.Count == 0)
        {
            // A Message-ID without angle brackets: take it whole.
            var bare = OneLine(value).Trim('<', '>', ' ');
            if (bare.Length > 0 && !bare.Contains(' ')) ids.Add(bare);
        }
        return ids;
    }

    private static string NormalizeNewLines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);

    private static bool HasEightBit(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b >= 0x80) return true;
        }
        return false;
    }

    private static MessageBody Serialize(MimeMessage message)
    {
        using var output = new MemoryStream();
        message.WriteTo(Format, output);
        return MessageBody.FromBytes(output.ToArray());
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos; // RFC 5322 §2.1: CRLF
        return format;
    }
}
