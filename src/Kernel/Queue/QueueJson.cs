using System.Net;
using System.Text.Json;
using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>
/// The JSON forms of what the queue stores beside a message: the source, a remote route and the server-wide rule
/// actions still to run. SDK records carry IP addresses and computed members, so they travel as small DTOs.
/// </summary>
internal static class QueueJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string WriteSource(RequestSource source) => JsonSerializer.Serialize(new SourceDto(
        source.ClientIp?.ToString(), (int)source.Class, source.AuthenticatedAccount?.ToString(), source.Tls, source.Internal, source.Protocol, source.Helo), Options);

    public static RequestSource ReadSource(string json)
    {
        var dto = JsonSerializer.Deserialize<SourceDto>(json, Options) ?? throw new InvalidDataException("queue row has no source");
        AccountAddress? account = null;
        if (dto.Account is not null) AccountAddress.TryParse(dto.Account, null, out account);
        return new RequestSource(dto.Ip is null ? null : IPAddress.Parse(dto.Ip), (SourceClass)dto.Class, account, dto.Tls, dto.Internal, dto.Protocol ?? "", dto.Helo);
    }

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

    private sealed record SourceDto(string? Ip, int Class, string? Account, bool Tls, bool Internal, string? Protocol, string? Helo);

    private sealed record RemoteDto(string Transport, string Queue, string Host, int? Port, bool IsIpLiteral, bool SkipMxSrv, string Recipient, bool Held);
}
