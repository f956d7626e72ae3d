using System.Globalization;
using System.Text;
using Kernel.Abstractions;
using Kernel.Queue;

namespace Kernel.Delivery;

/// <summary>
/// The message a rule's "Forward to" sends (rules.md §6): a new message from the Account with a <c>Fwd:</c> subject
/// and the original attached whole as <c>message/rfc822</c> (RFC 2046 §5.2.1). The wrapper is a few hundred bytes
/// around the stored original, which is streamed, never loaded.
/// </summary>
internal static class ForwardedMessage
{
    public static Stream Open(HeaderBlock original, MessageBody body, AccountAddress from, string to, int hops, string hostName, DateTimeOffset now)
    {
        var boundary = "=_fwd_" + Guid.NewGuid().ToString("N");
        var subject = original.Get("Subject") ?? "";
        if (!subject.StartsWith("Fwd:", StringComparison.OrdinalIgnoreCase)) subject = ("Fwd: " + subject).TrimEnd();
        var head = new StringBuilder()
            .Append("X-Kernel-Rule-Hops: ").Append(hops.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("From: <").Append(from).Append(">\r\n")
            .Append("To: <").Append(to).Append(">\r\n")
            .Append("Subject: ").Append(subject).Append("\r\n")
            .Append("Date: ").Append(now.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append('@').Append(hostName).Append(">\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\r\n")
            .Append("\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
            .Append("Forwarded message from ").Append(original.Get("From") is { } sender ? Ascii(sender) : "an unknown sender").Append(" attached.\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            // 8bit: the original is attached byte for byte, whatever it carries.
            .Append("Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        var tail = $"\r\n--{boundary}--\r\n";
        return new ConcatenatedStream(Bytes(head.ToString()), new ConcatenatedStream(body.OpenRead(), Bytes(tail)));
    }

    private static MemoryStream Bytes(string text) => new(Encoding.ASCII.GetBytes(text), writable: false);

    private static string Ascii(string text) => new(text.Select(c => c is >= ' ' and < (char)127 ? c : '?').ToArray());
}
