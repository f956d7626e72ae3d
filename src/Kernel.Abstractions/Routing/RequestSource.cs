using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// Where a request or message came from. The Router gives its relay verdict for this source; the queue stores it
/// with the envelope. <see cref="Internal"/> marks the server's own submissions (CLI, rules, DSNs).
/// </summary>
public sealed record RequestSource(
    IPAddress? ClientIp,
    SourceClass Class,
    AccountAddress? AuthenticatedAccount = null,
    bool Tls = false,
    bool Internal = false,
    string Protocol = "",
    string? Helo = null)
{
    /// <summary>The server itself (CLI submission, rule-generated mail, DSNs).</summary>
    public static RequestSource InternalSource(string protocol) => new(null, SourceClass.Trusted, null, false, true, protocol);
}
