namespace Smtp.Delivery;

/// <summary>A command or data block got no answer within its RFC 5321 §4.5.3.2 time: the connection is dropped, 4.4.2.</summary>
internal sealed class SmtpTimeoutException(string message) : IOException(message);
