using System.Globalization;
using System.Net;
using System.Text;
using Kernel.Abstractions;

namespace Smtp.Server;

/// <summary>
/// The <c>Received:</c> trace field we prepend (RFC 5321 §4.4, RFC 5322 §3.6.7), with the RFC 3848 / RFC 6531
/// protocol keyword: <c>SMTP</c> after HELO, <c>ESMTP</c> plus <c>S</c> (TLS) and <c>A</c> (AUTH), <c>UTF8SMTP…</c> for SMTPUTF8.
/// </summary>
internal static class ReceivedField
{
    public static string Protocol(bool esmtp, bool tls, bool authenticated, bool utf8)
    {
        if (!esmtp) return "SMTP";
        var name = (utf8 ? "UTF8SMTP" : "ESMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
        return name;
    }

    public static byte[] Build(string helo, IPAddress client, string serverName, string protocol, ConnectionTls? tls, string id, string? recipient, DateTimeOffset now)
    {
        var text = new StringBuilder("Received: from ");
        text.Append(Clean(helo)).Append(" ([").Append(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).Append("])\r\n");
        text.Append("\tby ").Append(serverName).Append(" with ").Append(protocol);
        if (tls is not null) text.Append(" (").Append(tls.Protocol).Append(' ').Append(tls.CipherSuite).Append(')');
        text.Append(" id ").Append(id);
        // One recipient only: naming several would disclose Bcc recipients to each other (RFC 5321 §7.2).
        if (recipient is not null) text.Append("\r\n\tfor <").Append(Clean(recipient)).Append('>');
        text.Append("; ").Append(Date(now)).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>RFC 5322 §3.3 date-time: <c>Thu, 03 Dec 2026 10:50:00 +0000</c>.</summary>
    public static string Date(DateTimeOffset now)
    {
        var offset = now.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + sign + offset.Hours.ToString("00", CultureInfo.InvariantCulture) + offset.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    // What the client gave goes into a header: no control characters, no parentheses that could end our comment.
    private static string Clean(string text) => new(text.Select(c => char.IsControl(c) || c is '(' or ')' ? '?' : c).ToArray());
}
