using System.Net;
using Microsoft.Extensions.Configuration;

namespace Smtp;

/// <summary>
/// Our one name (README "Settings"): <c>Smtp:ServerName</c>, else the host name. The receiving side gives it in the
/// greeting, EHLO and <c>Received:</c>; the delivery side in its EHLO/HELO (unless <c>Smtp:Delivery:HeloName</c>).
/// </summary>
internal static class SmtpServerName
{
    public const string Key = "Smtp:ServerName";

    public static string From(IConfiguration configuration) =>
        configuration[Key] is { } name && !string.IsNullOrWhiteSpace(name) ? name.Trim() : Dns.GetHostName().ToLowerInvariant();
}
