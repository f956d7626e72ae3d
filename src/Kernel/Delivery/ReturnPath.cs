using System.Text;

namespace Kernel.Delivery;

/// <summary>
/// RFC 5321 §4.4: final delivery inserts <c>Return-Path: &lt;reverse-path&gt;</c> (<c>&lt;&gt;</c> for the null sender)
/// at the beginning of the message. It is handed to the mailbox store as a prefix of the stored message
/// (<see cref="Mailboxes.LocalDeliveryItem.Prefix"/>), never written into a copy of the body. A Return-Path the
/// message brought along stays below ours, untouched. UTF-8: an SMTPUTF8 reverse-path (RFC 6531) is kept as sent.
/// </summary>
internal static class ReturnPath
{
    public static byte[] Prefix(string sender) => Encoding.UTF8.GetBytes($"Return-Path: <{sender}>\r\n");
}
