namespace Smtp.Delivery;

/// <summary>The server broke the protocol or the connection: the transaction in progress fails temporarily (4.4.2).</summary>
internal sealed class SmtpProtocolException(string message, Exception? inner = null) : IOException(message, inner);
