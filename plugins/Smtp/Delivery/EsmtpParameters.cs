using System.Text;
using Kernel.Abstractions;

namespace Smtp.Delivery;

/// <summary>The MAIL FROM and RCPT TO command lines with the ESMTP parameters the peer supports (RFC 1870, 6152, 6531, 3461, 4954, 8689).</summary>
internal static class EsmtpParameters
{
    public static string MailFrom(Envelope envelope, long size, ServerCapabilities caps, bool requireTls, bool smtpUtf8)
    {
        var line = new StringBuilder("MAIL FROM:<").Append(envelope.Sender).Append('>');
        if (caps.Size is not null) line.Append(" SIZE=").Append(size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (envelope.BodyType == MessageBodyType.EightBitMime && caps.EightBitMime) line.Append(" BODY=8BITMIME");
        if (smtpUtf8 && caps.SmtpUtf8) line.Append(" SMTPUTF8");
        if (caps.Dsn)
        {
            if (envelope.Return != DsnReturn.Default) line.Append(" RET=").Append(envelope.Return == DsnReturn.Full ? "FULL" : "HDRS");
            if (!string.IsNullOrEmpty(envelope.EnvelopeId)) line.Append(" ENVID=").Append(XText(envelope.EnvelopeId));
        }
        // RFC 4954 §5: only to a server that offers AUTH; "<>" when we do not vouch for the identity.
        if (caps.Auth && envelope.AuthSender is { Length: > 0 } auth) line.Append(" AUTH=").Append(auth == "<>" ? "<>" : XText(auth));
        if (requireTls) line.Append(" REQUIRETLS");
        return line.Append("\r\n").ToString();
    }

    public static string RcptTo(EnvelopeRecipient recipient, ServerCapabilities caps)
    {
        var line = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (caps.Dsn)
        {
            if (recipient.Notify != DsnNotify.Default) line.Append(" NOTIFY=").Append(Notify(recipient.Notify));
            if (!string.IsNullOrEmpty(recipient.OriginalRecipient)) line.Append(" ORCPT=").Append(Orcpt(recipient.OriginalRecipient));
        }
        return line.Append("\r\n").ToString();
    }

    /// <summary>RFC 3461 §4.1: NEVER alone, else a comma list.</summary>
    internal static string Notify(DsnNotify notify)
    {
        if (notify.HasFlag(DsnNotify.Never)) return "NEVER";
        var parts = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success)) parts.Add("SUCCESS");
        if (notify.HasFlag(DsnNotify.Failure)) parts.Add("FAILURE");
        if (notify.HasFlag(DsnNotify.Delay)) parts.Add("DELAY");
        return string.Join(',', parts);
    }

    /// <summary>RFC 3461 §4.2: <c>addr-type ";" xtext</c>; a stored value without a type is an rfc822 address.</summary>
    internal static string Orcpt(string original)
    {
        var semicolon = original.IndexOf(';');
        return semicolon > 0
            ? original[..semicolon].Trim() + ";" + XText(original[(semicolon + 1)..].Trim())
            : "rfc822;" + XText(original.Trim());
    }

    /// <summary>RFC 3461 §4: '+', '=', controls, space and non-ASCII octets become <c>+XX</c>.</summary>
    internal static string XText(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is < 33 or > 126 or (byte)'+' or (byte)'=') text.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else text.Append((char)b);
        }
        return text.ToString();
    }
}
