using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kernel.Abstractions;
using MimeKit;

namespace Kernel.Mailboxes.Structure;

/// <summary>
/// Parses a stored message once with MimeKit (a persistent <see cref="MimeParser"/>: part contents stay in the file,
/// only offsets are kept) into the SDK's <see cref="MessageStructure"/>: the RFC 3501 §7.4.2 ENVELOPE, the
/// BODYSTRUCTURE fields and the byte offsets of every header and body, absolute in the file. No MimeKit type leaves
/// this class. The JSON form is what <c>message_structures</c> caches; <see cref="Format"/> changes when it does.
/// </summary>
internal static class MessageStructureReader
{
    /// <summary>The cached layout's version: a row of another format is parsed again.</summary>
    public const int Format = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(MessageStructure structure) => JsonSerializer.Serialize(structure, Json);

    /// <summary>Null when the text is not a structure this build can read (then it is parsed again).</summary>
    public static MessageStructure? Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<MessageStructure>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static async Task<MessageStructure> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var entities = new Dictionary<object, (long Begin, long HeadersEnd, long End, long Lines)>(ReferenceEqualityComparer.Instance);
        var messages = new Dictionary<object, (long Begin, long HeadersEnd, long End)>(ReferenceEqualityComparer.Instance);
        var parser = new MimeParser(stream, MimeFormat.Entity, persistent: true);
        parser.MimeEntityEnd += (_, e) => entities[e.Entity] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset, e.Lines);
        parser.MimeMessageEnd += (_, e) => messages[e.Message] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset);
        var message = await parser.ParseMessageAsync(cancellationToken);
        return new Builder(entities, messages).Message(message);
    }

    private sealed class Builder(
        Dictionary<object, (long Begin, long HeadersEnd, long End, long Lines)> entities,
        Dictionary<object, (long Begin, long HeadersEnd, long End)> messages)
    {
        public MessageStructure Message(MimeMessage message)
        {
            var (begin, headersEnd, end) = messages[message];
            var body = message.Body is { } root && entities.ContainsKey(root)
                ? Part(root)
                : new MessagePartStructure { Type = "text", Subtype = "plain", HeaderOffset = begin, HeaderLength = headersEnd - begin, BodyOffset = headersEnd };
            return new MessageStructure
            {
                Offset = begin,
                HeaderLength = headersEnd - begin,
                Size = end - begin,
                Envelope = Envelope(message),
                Body = body,
            };
        }

        private MessagePartStructure Part(MimeEntity entity)
        {
            var (begin, headersEnd, end, lines) = entities[entity];
            var headers = entity.Headers;
            var type = entity.ContentType;
            var parameters = type.Parameters.Select(p => new MessageParameter { Name = p.Name, Value = p.Value }).ToList();
            // RFC 2045 §5.2: no Content-Type means text/plain; charset=us-ascii.
            if (!headers.Contains(HeaderId.ContentType) && type.IsMimeType("text", "plain") && parameters.Count == 0)
                parameters.Add(new MessageParameter { Name = "charset", Value = "us-ascii" });
            var isText = type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase);
            var isMessage = entity is MimeKit.MessagePart;
            var disposition = entity.ContentDisposition;
            return new MessagePartStructure
            {
                Type = type.MediaType,
                Subtype = type.MediaSubtype,
                Parameters = parameters,
                Id = Raw(headers, HeaderId.ContentId),
                Description = Raw(headers, HeaderId.ContentDescription),
                TransferEncoding = Raw(headers, HeaderId.ContentTransferEncoding) ?? "7BIT",
                Size = end - headersEnd,
                Lines = isText || isMessage ? lines : null,
                Md5 = Raw(headers, HeaderId.ContentMd5),
                Disposition = disposition?.Disposition,
                DispositionParameters = disposition is null ? [] : disposition.Parameters.Select(p => new MessageParameter { Name = p.Name, Value = p.Value }).ToList(),
                Language = Raw(headers, HeaderId.ContentLanguage) is { } language
                    ? language.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    : [],
                Location = Raw(headers, HeaderId.ContentLocation),
                HeaderOffset = begin,
                HeaderLength = headersEnd - begin,
                BodyOffset = headersEnd,
                BodyLength = end - headersEnd,
                Children = entity is Multipart multipart ? multipart.Select(Part).ToList() : [],
                Embedded = entity is MimeKit.MessagePart { Message: { } embedded } && messages.ContainsKey(embedded) ? Message(embedded) : null,
            };
        }

        private static MessageEnvelope Envelope(MimeMessage message)
        {
            var headers = message.Headers;
            var from = Addresses(message.From);
            var sender = Addresses(message.Sender is null ? [] : new InternetAddressList([message.Sender]));
            var replyTo = Addresses(message.ReplyTo);
            return new MessageEnvelope
            {
                Date = Raw(headers, HeaderId.Date),
                Subject = Raw(headers, HeaderId.Subject),
                From = from,
                // RFC 3501 §7.4.2: an absent or empty Sender or Reply-To is the From.
                Sender = sender.Count == 0 ? from : sender,
                ReplyTo = replyTo.Count == 0 ? from : replyTo,
                To = Addresses(message.To),
                Cc = Addresses(message.Cc),
                Bcc = Addresses(message.Bcc),
                InReplyTo = Raw(headers, HeaderId.InReplyTo),
                MessageId = Raw(headers, HeaderId.MessageId),
            };
        }

        /// <summary>RFC 3501 §7.4.2 address lists: a group is a start entry (name in Mailbox, Host null), its members, an all-null end entry.</summary>
        private static List<MessageAddress> Addresses(IEnumerable<InternetAddress> list)
        {
            var result = new List<MessageAddress>();
            foreach (var address in list)
            {
                switch (address)
                {
                    case MailboxAddress mailbox:
                        result.Add(new MessageAddress
                        {
                            Name = string.IsNullOrEmpty(mailbox.Name) ? null : mailbox.Name,
                            Route = mailbox.Route.Count == 0 ? null : string.Join(',', mailbox.Route.Select(r => "@" + r)),
                            Mailbox = mailbox.LocalPart,
                            Host = mailbox.Domain ?? "",
                        });
                        break;
                    case GroupAddress group:
                        result.Add(new MessageAddress { Mailbox = group.Name });
                        result.AddRange(Addresses(group.Members));
                        result.Add(new MessageAddress());
                        break;
                }
            }
            return result;
        }

        /// <summary>
        /// A header's value as it stands in the message: bytes as UTF-8 (8-bit headers kept), folding undone, encoded
        /// words left alone (IMAP passes them through); the first occurrence; null when absent.
        /// </summary>
        private static string? Raw(HeaderList headers, HeaderId id)
        {
            var index = headers.IndexOf(id);
            if (index < 0) return null;
            var text = Encoding.UTF8.GetString(headers[index].RawValue);
            return text.Replace("\r\n", "").Replace("\n", "").Trim();
        }
    }
}
