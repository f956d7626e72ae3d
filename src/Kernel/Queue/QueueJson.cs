using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>
/// The JSON forms of what the queue stores beside a message: the source with the envelope's SMTP parameters, a remote
/// route and the server-wide rule actions still to run. SDK records carry IP addresses and computed members, so they
/// travel as small DTOs.
/// </summary>
internal static class QueueJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    // Fields at their default are left out: rows stay small, and read back as the default, as rows written before a
    // field existed do.
    private static readonly JsonSerializerOptions SourceOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };

    /// <summary>
    /// The <c>queue_messages.source</c> column: the <see cref="RequestSource"/> and, beside it, the envelope's SMTP
    /// parameters (BODY, SMTPUTF8, REQUIRETLS, SIZE, AUTH). They share the column rather than adding one so the
    /// schema needs no migration; a row queued before they existed has none and reads as "not given".
    /// </summary>
    public static string WriteSource(Envelope envelope)
    {
        var s = envelope.Source;
        return JsonSerializer.Serialize(new SourceDto
        {
            Ip = s.ClientIp?.ToString(), Class = (int)s.Class, Account = s.AuthenticatedAccount?.ToString(), Tls = s.Tls, Internal = s.Internal,
            Protocol = s.Protocol, Helo = s.Helo, TlsProtocol = s.TlsProtocol, TlsCipher = s.TlsCipher, ListenerRole = s.ListenerRole, ReverseDns = s.ReverseDns,
            Body = (int)envelope.BodyType, SmtpUtf8 = envelope.SmtpUtf8, RequireTls = envelope.RequireTls, Size = envelope.DeclaredSize, Auth = envelope.AuthSender,
        }, SourceOptions);
    }

    public static RequestSource ReadSource(string json) => ReadSourceDto(json).ToSource();

    /// <summary>The stored envelope: the row's sender, ENVID and RET, the given recipients, the source and SMTP parameters from the JSON.</summary>
    public static Envelope ReadEnvelope(string sender, string? envelopeId, DsnReturn ret, string sourceJson, IReadOnlyList<EnvelopeRecipient> recipients)
    {
        var dto = ReadSourceDto(sourceJson);
        return new Envelope
        {
            Sender = sender, Recipients = recipients, Source = dto.ToSource(), EnvelopeId = envelopeId, Return = ret,
            BodyType = (MessageBodyType)dto.Body, SmtpUtf8 = dto.SmtpUtf8, RequireTls = dto.RequireTls, DeclaredSize = dto.Size, AuthSender = dto.Auth,
        };
    }

    private static SourceDto ReadSourceDto(string json) =>
        JsonSerializer.Deserialize<SourceDto>(json, SourceOptions) ?? throw new InvalidDataException("queue row has no source");

    public static string WriteRemote(RouteResult.Remote r) =>
        JsonSerializer.Serialize(new RemoteDto(r.Transport, r.Queue, r.Host, r.Port, r.IsIpLiteral, r.SkipMxSrv, r.Recipient, r.Held), Options);

    public static RouteResult.Remote ReadRemote(string json)
    {
        var d = JsonSerializer.Deserialize<RemoteDto>(json, Options) ?? throw new InvalidDataException("queue row has no target");
        return new RouteResult.Remote(d.Transport, d.Queue, d.Host, d.Port, d.IsIpLiteral, d.SkipMxSrv, d.Recipient, d.Held);
    }

    public static string? WriteActions(ServerRuleActions? actions) =>
        actions is null || actions.IsEmpty ? null : JsonSerializer.Serialize(actions, Options);

    public static ServerRuleActions? ReadActions(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<ServerRuleActions>(json, Options);

    private sealed class SourceDto
    {
        public string? Ip { get; set; }
        public int Class { get; set; }
        public string? Account { get; set; }
        public bool Tls { get; set; }
        public bool Internal { get; set; }
        public string? Protocol { get; set; }
        public string? Helo { get; set; }
        public string? TlsProtocol { get; set; }
        public string? TlsCipher { get; set; }
        public string? ListenerRole { get; set; }
        public string? ReverseDns { get; set; }

        // The envelope's SMTP parameters (not part of the source; see WriteSource).
        public int Body { get; set; }
        public bool SmtpUtf8 { get; set; }
        public bool RequireTls { get; set; }
        public long? Size { get; set; }
        public string? Auth { get; set; }

        public RequestSource ToSource()
        {
            AccountAddress? account = null;
            if (Account is not null) AccountAddress.TryParse(Account, null, out account);
            return new RequestSource
            {
                ClientIp = Ip is null ? null : IPAddress.Parse(Ip), Class = (SourceClass)Class, AuthenticatedAccount = account, Tls = Tls, Internal = Internal,
                Protocol = Protocol ?? "", Helo = Helo, TlsProtocol = TlsProtocol, TlsCipher = TlsCipher, ListenerRole = ListenerRole, ReverseDns = ReverseDns,
            };
        }
    }

    private sealed record RemoteDto(string Transport, string Queue, string Host, int? Port, bool IsIpLiteral, bool SkipMxSrv, string Recipient, bool Held);
}
